"""The council's workbook (issue 13): created, updated without losing a typed value, read
back, and applied — verified figures, conclusions, the choice of file, entries that belong
to another file, a workbook open in Excel, and entries that make no sense."""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from processor.model.batch import BatchOptions, BatchResult
from processor.model.council import Finality, Reason, ReviewState, file_code
from processor.model.council_layout import HEADER_ROW, build_council_layout
from processor.model.issues import make_issue
from processor.model.level_layout import build_level_layout
from processor.model.records import Unit
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.pipeline import run_batch
from processor.report.council_workbook import CouncilUpdate, UpdateStatus, update_council_workbook
from processor.report.publish import Published, publish
from processor.template.filler import fill_template
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from tests.conftest import FIXED_TIME, full_scores
from tests.council_util import council_cell, council_row, fill_council, read_council_rows
from tests.test_level_recalc import complete

RUBRIC = load_rubric("tt24-2023")
LAYOUT = build_level_layout(RUBRIC, "tinh")
OFFICE = "co_quan_nha_nuoc"
ROSTER = (
    Unit("SNV", "Sở Nội vụ", "Sở, ban, ngành", kind=OFFICE),
    Unit("STC", "Sở Tài chính", "Sở, ban, ngành", kind=OFFICE),
    Unit("SXD", "Sở Xây dựng", "Sở, ban, ngành", kind=OFFICE),
    Unit("SYT", "Sở Y tế", "Sở, ban, ngành", kind=OFFICE),
)
PRIOR_12 = {"cong_nhan_truoc_muc_do": "Mức độ 1", "cong_nhan_truoc_so_qd": "15/QĐ-UBND",
            "cong_nhan_truoc_ngay": date(2025, 1, 10)}
BOOK = "tham_dinh/ThamDinh_DVHT_2025.xlsx"
UNITS_SHEET, ITEMS_SHEET = "Kết luận", "Thẩm định chỉ tiêu"


@dataclass
class Season:
    root: Path
    blank: Path
    inbox: Path
    out: Path

    @property
    def book(self) -> Path:
        return self.out / BOOK

    def dossier(self, code: str, level: int, name: str | None = None, mtime: float | None = None,
                **changes) -> Path:
        unit = next(u for u in ROSTER if u.code == code)
        values = complete(LAYOUT, OFFICE, level, 100, None, ngay_bao_cao=date(2026, 1, 10), ma_don_vi=code,
                          ten_don_vi=unit.name, **{**(PRIOR_12 if level == 2 else {}), **changes})
        path = fill_template(self.blank, self.inbox / (name or f"{code}.xlsx"),
                             {k: v for k, v in values.items() if v is not None})
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    def run(self) -> tuple[BatchResult, Published, CouncilUpdate]:
        options = BatchOptions(input_dir=self.inbox, out_dir=self.out, year=2025, rubric=RUBRIC, roster=ROSTER,
                               deadline=date(2026, 1, 14), workers=1, today=date(2026, 1, 20), tier="tinh")
        result = run_batch(options)
        published = publish(result)
        return result, published, update_council_workbook(result, published.summary, result.council_path, "dvht")


@pytest.fixture
def season(tmp_path: Path) -> Season:
    blank = write_level_template(tmp_path / "Mau.xlsx", LevelTemplateRequest(LAYOUT, load_settings(), 2025,
                                                                             generated_at=FIXED_TIME))
    inbox = tmp_path / "ho_so"
    inbox.mkdir()
    s = Season(tmp_path, blank, inbox, tmp_path / "out")
    s.dossier("SNV", 2)  # level 2 asked, met, eligible
    s.dossier("STC", 1)  # level 1 asked, met
    s.dossier("SXD", 1)  # level 1 asked, met
    return s  # SYT sends nothing


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])


def finals(result: BatchResult) -> dict[str, object]:
    return {u.unit.code: result.council.finals[i] for i, u in enumerate(result.resolution.units)}


def council_issues(result: BatchResult) -> list:
    return [issue for _, issue in result.council.issues]


def test_first_run_creates_the_workbook_with_a_row_per_unit_and_per_indicator(season):
    result, _, update = season.run()
    assert update.status == UpdateStatus.CREATED and season.book.is_file()
    units = read_council_rows(season.book, RUBRIC, "units")
    assert [(r["key"], r["code"], r["status"], r["final"], r["state"]) for r in units] == [
        ("snv", "SNV", "Hợp lệ", "Mức độ 2", "Chưa có ý kiến"),
        ("stc", "STC", "Hợp lệ", "Mức độ 1", "Chưa có ý kiến"),
        ("sxd", "SXD", "Hợp lệ", "Mức độ 1", "Chưa có ý kiến"),
        ("syt", "SYT", "Chưa nộp", "Chưa nộp hồ sơ", "Chưa có ý kiến"),
    ]
    items = read_council_rows(season.book, RUBRIC, "items")
    kind = RUBRIC.unit_kind(OFFICE)
    expected = [f"{code}|{ind.id}" for code, level in (("snv", 2), ("stc", 1), ("sxd", 1))
                for ind in LAYOUT.tier.applicable(level, kind)]
    assert [r["key"] for r in items] == expected
    # the unit's own figure and the requirement at the level asked are shown, locked
    row = council_row(season.book, RUBRIC, "items", "snv|tc2_ct1")
    assert (row["item"], row["requirement"], row["figure"], row["computed"]) == (
        "TC2.CT1", "≥ 95% thành viên", "100/100 (100%)", "Đạt")
    assert result.council.states == dict.fromkeys(range(4), ReviewState.NONE)
    # its sheets cannot be added, removed or renamed (the protection written in the one rewrite)
    security = openpyxl.load_workbook(season.book).security
    assert security.lockStructure and security.workbookPassword
    # a second run with nothing new leaves the file as it is
    before = season.book.read_bytes()
    assert season.run()[2].status == UpdateStatus.UNCHANGED
    assert season.book.read_bytes() == before


def test_typed_values_survive_a_rerun_that_adds_two_new_files(season):
    season.run()
    typed = {("units", "stc", "reason"): "=HYPERLINK(\"http://x\")", ("units", "sxd", "conclusion"): "Không đề nghị",
             ("units", "sxd", "reason"): "Hồ sơ thiếu minh chứng gốc",
             ("items", "snv|tc2_ct1", "verdict"): 97, ("items", "snv|tc2_ct1", "opinion"): "Đã đối chiếu danh sách",
             ("items", "stc|tc1_ct1", "verdict"): "Không đạt"}  # no reason: kept, reported, not applied
    fill_council(season.book, RUBRIC, typed)
    cells = {k: council_cell(RUBRIC, season.book, k[0], k[1], k[2]) for k in typed}
    season.dossier("SYT", 1)  # a unit that had not sent
    season.dossier("SXD", 1, name="SXD_ban_sua.xlsx", mtime=time.time() + 3600, so_dat_tc2_ct1=98)  # a later file
    result, _, update = season.run()
    assert update.status == UpdateStatus.WRITTEN
    assert update.backup is not None and update.backup.is_file() and update.backup.parent == season.book.parent
    for (which, key, column), value in typed.items():
        assert council_row(season.book, RUBRIC, which, key)[column] == value
        assert council_cell(RUBRIC, season.book, which, key, column) == cells[(which, key, column)]
    # the backup is the version before: the entries, without SYT's new indicator rows
    assert council_row(update.backup, RUBRIC, "units", "sxd")["reason"] == "Hồ sơ thiếu minh chứng gốc"
    old_keys = [r["key"] for r in read_council_rows(update.backup, RUBRIC, "items")]
    new_keys = [r["key"] for r in read_council_rows(season.book, RUBRIC, "items")]
    assert new_keys[:len(old_keys)] == old_keys
    assert new_keys[len(old_keys):] == [f"syt|{i.id}" for i in LAYOUT.tier.applicable(1, RUBRIC.unit_kind(OFFICE))]
    sxd = council_row(season.book, RUBRIC, "units", "sxd")
    assert sxd["files"].count("\n") == 1 and "SXD_ban_sua.xlsx" in sxd["file"]
    # the entries were typed for SXD.xlsx; the later file now counts, so they wait for review
    assert (finals(result)["SXD"].state, finals(result)["SXD"].rank) == (ReviewState.STALE, 1)


def test_a_verified_count_below_the_level_2_threshold_gives_level_1_and_the_reason(season):
    season.run()
    fill_council(season.book, RUBRIC, {("items", "snv|tc2_ct1", "verdict"): 92,
                                       ("items", "snv|tc2_ct1", "opinion"): "8 thành viên bị kỷ luật trong năm"})
    result, published, _ = season.run()
    reply = docx_text(published.documents / "TraLoi_SNV.docx")
    assert "TC2.CT1" in reply and "8 thành viên bị kỷ luật trong năm" in reply and "mức độ 1" in reply
    snv = finals(result)["SNV"]
    assert (snv.self_rank, snv.verified_rank, snv.rank, snv.finality, snv.state) == (
        2, 1, 1, Finality.VERIFIED, ReviewState.APPLIED)
    ind = LAYOUT.tier.indicator("tc2_ct1")
    assert snv.reasons == (Reason("tc2_ct1", "TC2.CT1", ind.label, "8 thành viên bị kỷ luật trong năm", True),)
    assert snv.short_of_asked and snv.label == "Mức độ 1"
    assert council_issues(result) == []
    row = council_row(season.book, RUBRIC, "units", "snv")
    assert (row["self"], row["verified"], row["final"], row["state"]) == (
        "Mức độ 2", "Mức độ 1", "Mức độ 1", "Đã áp dụng ý kiến của Hội đồng")
    assert council_row(season.book, RUBRIC, "items", "snv|tc2_ct1")["item_state"] == "Đã áp dụng"


def test_a_council_not_met_makes_a_unit_not_recommended_with_its_reason(season):
    season.run()
    fill_council(season.book, RUBRIC, {("items", "stc|tc1_ct2", "verdict"): "Không đạt",
                                       ("items", "stc|tc1_ct2", "opinion"): "Chưa có quy chế dân chủ năm 2025"})
    result, published, _ = season.run()
    reply = docx_text(published.documents / "TraLoi_STC.docx")
    assert "TC1.CT2" in reply and "Chưa có quy chế dân chủ năm 2025" in reply
    assert sorted(p.name for p in published.documents.glob("TraLoi_*")) == ["TraLoi_STC.docx"]
    stc = finals(result)["STC"]
    assert (stc.self_rank, stc.verified_rank, stc.rank, stc.finality) == (1, None, None, Finality.VERIFIED)
    assert stc.reasons == (Reason("tc1_ct2", "TC1.CT2", LAYOUT.tier.indicator("tc1_ct2").label,
                                  "Chưa có quy chế dân chủ năm 2025", True),)
    assert stc.label == "Không đề nghị công nhận"
    assert finals(result)["SXD"].rank == 1 and finals(result)["SXD"].finality == Finality.COMPUTED


def test_a_conclusion_lowers_or_refuses_only_with_a_reason(season):
    season.run()
    fill_council(season.book, RUBRIC, {("units", "snv", "conclusion"): "Đề nghị công nhận mức độ 1",
                                       ("units", "snv", "reason"): "Chưa kiểm tra thực tế",
                                       ("units", "sxd", "conclusion"): "không đề nghị",  # case and spacing aside
                                       ("units", "sxd", "reason"): "Đơn vị xin rút hồ sơ"})
    result, _, _ = season.run()
    snv, sxd = finals(result)["SNV"], finals(result)["SXD"]
    assert (snv.rank, snv.finality, snv.council_reason, snv.reasons) == (1, Finality.COUNCIL,
                                                                          "Chưa kiểm tra thực tế", ())
    assert (sxd.rank, sxd.finality, sxd.council_reason) == (None, Finality.COUNCIL, "Đơn vị xin rút hồ sơ")
    assert council_issues(result) == []


def test_entries_that_make_no_sense_are_reported_with_their_cell_and_not_applied(season):
    season.run()
    fill_council(season.book, RUBRIC, {
        ("items", "snv|tc2_ct1", "verdict"): "chín mươi",  # not a count
        ("items", "snv|tc2_ct2", "verdict"): 120,  # more than the 100 members
        ("items", "stc|tc1_ct1", "verdict"): "Không đạt",  # no reason
        ("units", "stc", "conclusion"): "Đề nghị công nhận mức độ 2",  # above what the figures support
        ("units", "sxd", "conclusion"): "Công nhận",  # not an option
        ("units", "snv", "conclusion"): "Không đề nghị",  # a refusal without its reason
    })
    cell = {k: council_cell(RUBRIC, season.book, *k) for k in [
        ("items", "snv|tc2_ct1", "verdict"), ("items", "snv|tc2_ct2", "verdict"),
        ("items", "stc|tc1_ct1", "opinion"), ("units", "stc", "conclusion"), ("units", "sxd", "conclusion"),
        ("units", "snv", "reason")]}
    result, published, _ = season.run()
    options = "; ".join(f'"{o}"' for o in ("Đề nghị công nhận mức độ 1", "Đề nghị công nhận mức độ 2",
                                           "Không đề nghị"))
    assert council_issues(result) == [  # unit by unit, then sheet by sheet and row by row
        make_issue("council-conclusion-reason-missing", BOOK, UNITS_SHEET, cell[("units", "snv", "reason")],
                   gia_tri="Không đề nghị", tinh="Mức độ 2"),
        make_issue("council-value-invalid", BOOK, ITEMS_SHEET, cell[("items", "snv|tc2_ct1", "verdict")],
                   gia_tri="chín mươi", cot="Kết quả thẩm định", chi_tieu="TC2.CT1",
                   can="nhập số thành viên (hoặc người học) đạt, một số nguyên không âm"),
        make_issue("council-count-invalid", BOOK, ITEMS_SHEET, cell[("items", "snv|tc2_ct2", "verdict")],
                   gia_tri=120, chi_tieu="TC2.CT2", mau=100),
        make_issue("council-conclusion-unsupported", BOOK, UNITS_SHEET, cell[("units", "stc", "conclusion")],
                   gia_tri="Đề nghị công nhận mức độ 2", tinh="Mức độ 1"),
        make_issue("council-reason-missing", BOOK, ITEMS_SHEET, cell[("items", "stc|tc1_ct1", "opinion")],
                   chi_tieu="TC1.CT1", gia_tri="Không đạt"),
        make_issue("council-conclusion-invalid", BOOK, UNITS_SHEET, cell[("units", "sxd", "conclusion")],
                   gia_tri="Công nhận", lua_chon=options),
    ]
    assert {code: (f.rank, f.state) for code, f in finals(result).items()} == {
        "SNV": (2, ReviewState.REJECTED), "STC": (1, ReviewState.REJECTED), "SXD": (1, ReviewState.REJECTED),
        "SYT": (None, ReviewState.NONE)}
    # nothing of SNV's applied: its result is its own figures', and says the council's word is pending
    assert council_row(season.book, RUBRIC, "units", "snv")["finality"] == (
        "Theo số liệu của đơn vị (ý kiến của Hội đồng chưa được áp dụng)")
    assert council_row(season.book, RUBRIC, "units", "syt")["finality"] == "Chưa nộp hồ sơ"
    # the consolidated workbook lists them with the council workbook's file, sheet and cell
    listed = [(i.code, i.file, i.sheet, i.cell) for i, _ in published.summary.issues if i.code.startswith("council")]
    assert listed == [(i.code, i.file, i.sheet, i.cell) for i in council_issues(result)]


def test_the_council_chooses_between_two_files_of_one_date(season):
    first = season.dossier("STC", 1, name="STC_a.xlsx", mtime=FIXED_TIME.timestamp())
    second = season.dossier("STC", 2, name="STC_b.xlsx", mtime=FIXED_TIME.timestamp() + 60, **PRIOR_12)
    (season.inbox / "STC.xlsx").unlink()
    result, _, _ = season.run()
    stc = next(u for u in result.resolution.units if u.unit.code == "STC")
    assert stc.submission.rel == "STC_b.xlsx"  # the rules: same report date, the later save
    other = next(f for f in result.resolution.files if f.rel == "SNV.xlsx")
    code_a = file_code(next(f.sha256 for f in result.resolution.files if f.rel == first.name))
    fill_council(season.book, RUBRIC, {("units", "stc", "file_choice"): code_a.lower(),
                                       ("units", "snv", "file_choice"): "STC_b.xlsx",
                                       ("units", "sxd", "file_choice"): file_code(other.sha256)})
    result, published, _ = season.run()
    stc = next(u for u in result.resolution.units if u.unit.code == "STC")
    assert (stc.submission.rel, [s.rel for s in stc.superseded]) == ("STC_a.xlsx", ["STC_b.xlsx"])
    assert finals(result)["STC"].rank == 1  # judged on the file the council chose
    assert result.resolution.outcome[second.name] == "superseded"
    assert council_issues(result) == [
        make_issue("council-file-not-unit", BOOK, UNITS_SHEET, council_cell(RUBRIC, season.book, "units", "snv",
                                                                             "file_choice"),
                   gia_tri="STC_b.xlsx", don_vi="STC"),
        make_issue("council-file-not-unit", BOOK, UNITS_SHEET, council_cell(RUBRIC, season.book, "units", "sxd",
                                                                             "file_choice"),
                   gia_tri=file_code(other.sha256), don_vi="SNV"),
    ]
    note = next(f.note for f in published.summary.files if f.rel == "STC_a.xlsx")
    assert "Hội đồng thẩm định chọn tệp này" in note


def test_entries_for_an_earlier_file_are_kept_for_review_until_confirmed(season):
    season.run()
    fill_council(season.book, RUBRIC, {("items", "snv|tc2_ct1", "verdict"): 92,
                                       ("items", "snv|tc2_ct1", "opinion"): "Đối chiếu danh sách"})
    old = next(f.sha256 for f in season.run()[0].resolution.files if f.rel == "SNV.xlsx")
    season.dossier("SNV", 2, so_dat_tc2_ct1=99)  # the unit sends a corrected file
    result, _, _ = season.run()
    new = next(f.sha256 for f in result.resolution.files if f.rel == "SNV.xlsx")
    snv = finals(result)["SNV"]
    assert (snv.state, snv.rank, snv.finality) == (ReviewState.STALE, 2, Finality.COMPUTED)
    confirm = council_cell(RUBRIC, season.book, "units", "snv", "confirm")
    assert council_issues(result) == [make_issue("council-review-needed", BOOK, UNITS_SHEET, confirm,
                                                 cu=file_code(old), moi=file_code(new))]
    row = council_row(season.book, RUBRIC, "units", "snv")
    assert row["state"] == (f"Cần xem lại: ý kiến ghi cho tệp {file_code(old)}, đơn vị nay dùng tệp "
                            f"{file_code(new)}; chưa áp dụng")
    assert council_row(season.book, RUBRIC, "items", "snv|tc2_ct1")["verdict"] == 92  # kept
    assert council_row(season.book, RUBRIC, "items", "snv|tc2_ct1")["item_state"] == "Cần xem lại"
    fill_council(season.book, RUBRIC, {("units", "snv", "confirm"): file_code(new)})
    result, _, _ = season.run()
    assert (finals(result)["SNV"].state, finals(result)["SNV"].rank) == (ReviewState.APPLIED, 1)
    assert council_issues(result) == []


def test_a_withdrawn_file_keeps_its_rows_and_entries(season):
    season.run()
    fill_council(season.book, RUBRIC, {("units", "sxd", "reason"): "Chờ bổ sung"})
    (season.inbox / "SXD.xlsx").unlink()
    result, _, _ = season.run()
    row = council_row(season.book, RUBRIC, "units", "sxd")
    assert (row["status"], row["reason"], row["state"]) == (
        "Chưa nộp", "Chờ bổ sung", "Tệp đã rút: đơn vị không còn tệp được tính; ý kiến được giữ")
    items = [r for r in read_council_rows(season.book, RUBRIC, "items") if r["key"].startswith("sxd|")]
    assert items and {r["item_state"] for r in items} == {"Tệp đã rút"}
    assert finals(result)["SXD"].state == ReviewState.WITHDRAWN


@pytest.mark.parametrize("lock_name", [".~lock.ThamDinh_DVHT_2025.xlsx#", "~$ThamDinh_DVHT_2025.xlsx",
                                       "~$amDinh_DVHT_2025.xlsx"])
def test_an_open_workbook_is_read_as_saved_and_left_alone(season, lock_name):
    season.run()
    fill_council(season.book, RUBRIC, {("units", "sxd", "conclusion"): "Không đề nghị",
                                       ("units", "sxd", "reason"): "Đơn vị xin rút hồ sơ"})
    (season.book.parent / lock_name).write_text("Nguyễn Văn B", encoding="utf-8")
    before = season.book.read_bytes()
    season.dossier("SYT", 1)
    result, published, update = season.run()
    assert finals(result)["SXD"].rank is None  # the saved entries are used
    assert update.status == UpdateStatus.OPEN and season.book.read_bytes() == before
    assert update.line().startswith("Cảnh báo: sổ thẩm định ") and "đang được mở" in update.line()
    # a lock file left by a program that crashed would block every update: the line names it
    assert update.line().endswith(f"Nếu không còn ai mở sổ, hãy xoá tệp khoá còn sót lại "
                                  f"{season.book.parent / lock_name}.")
    assert published.workbook.is_file()
    assert sorted(p.name for p in season.book.parent.iterdir()) == sorted([season.book.name, lock_name])


def test_an_unreadable_workbook_is_left_alone_and_not_used(season):
    season.book.parent.mkdir(parents=True)
    season.book.write_bytes(b"not a workbook")
    result, published, update = season.run()
    assert update.status == UpdateStatus.UNREADABLE and season.book.read_bytes() == b"not a workbook"
    assert result.council.entries.unreadable and published.workbook.is_file()
    assert {code: f.rank for code, f in finals(result).items()} == {"SNV": 2, "STC": 1, "SXD": 1, "SYT": None}


def test_a_dossier_with_errors_is_not_recommended_even_if_the_council_says_so(season):
    season.dossier("STC", 1, minh_chung_tc1_ct1=None)  # "Đạt" without evidence: an error
    season.run()
    fill_council(season.book, RUBRIC, {("units", "stc", "conclusion"): "Đề nghị công nhận mức độ 1"})
    result, _, _ = season.run()
    stc = finals(result)["STC"]
    assert (stc.rank, stc.finality) == (None, Finality.NOT_JUDGED) and stc.errors
    assert [i.code for i in council_issues(result)] == ["council-conclusion-errors"]


# ---- Thông tư 22/2020 seasons: verified points ---------------------------------------------

def test_points_a_verified_score_lowers_the_class(tmp_path, make_submission, rubric):
    inbox = tmp_path / "in"
    scores = full_scores(rubric)  # 100 points: Tốt
    make_submission("A.xlsx", folder=inbox, ma_don_vi="A", ten_don_vi="Đơn vị A", scores=scores)
    make_submission("B.xlsx", folder=inbox, ma_don_vi="B", ten_don_vi="Đơn vị B", scores=scores)
    roster = (Unit("A", "Đơn vị A"), Unit("B", "Đơn vị B"))
    options = BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=rubric, roster=roster,
                           workers=1, today=date(2026, 1, 20))

    def run() -> BatchResult:
        result = run_batch(options)
        update_council_workbook(result, publish(result).summary, result.council_path, "dvht")
        return result

    run()
    book = tmp_path / "out" / BOOK
    fill_council(book, rubric, {("items", "a|3b", "score"): 0, ("items", "a|3b", "opinion"): "Chưa có danh hiệu",
                                ("items", "b|3c", "score"): 2})  # lowered without a reason
    result = run()
    a, b = (result.council.finals[i] for i in range(2))
    assert (a.self_label, a.verified_label, a.label, a.rank, a.verified_scores["total"]) == (
        "Tốt", "Tốt", "Tốt", 3, 90.0)
    assert (b.rank, b.verified_scores["total"]) == (3, 100.0)
    assert council_issues(result) == [make_issue(
        "council-reason-missing", BOOK, "Thẩm định điểm", council_cell(rubric, book, "items", "b|3c", "opinion"),
        chi_tieu="3c", gia_tri="2")]
    fill_council(book, rubric, {("items", "a|3a1", "score"): 0, ("items", "a|3a1", "opinion"): "Không có kế hoạch",
                                ("items", "a|2a", "score"): 0, ("items", "a|2a", "opinion"): "Không có báo cáo"})
    a = run().council.finals[0]
    assert a.verified_label == "Khá" and a.rank == 2 and a.finality == Finality.VERIFIED
    labels = {leaf.id: leaf.label for leaf in rubric.leaves}
    assert a.reasons == (  # below its own class: every lowered leaf with the council's reason
        Reason("2a", "2a", labels["2a"], "Hội đồng thẩm định 0 điểm (tự chấm 10): Không có báo cáo", True),
        Reason("3a1", "3a1", labels["3a1"], "Hội đồng thẩm định 0 điểm (tự chấm 3): Không có kế hoạch", True),
        Reason("3b", "3b", labels["3b"], "Hội đồng thẩm định 0 điểm (tự chấm 10): Chưa có danh hiệu", True))


# ---- van_ban/: written by every run, switched with the other outputs ------------------------

def test_every_run_writes_the_documents_and_keeps_what_a_person_put_beside_them(season):
    _, published, _ = season.run()
    docs = published.documents
    names = sorted(p.name for p in docs.iterdir() if not p.name.startswith("."))
    assert names == ["BangTongHop_ThamDinh_2025.docx", "BaoCao_ThamDinh_2025.docx", "DuThao_QuyetDinh_2025.docx",
                     "ToTrinh_2025.docx"]  # everyone recommended at the level asked: no reply
    fill_council(season.book, RUBRIC, {("items", "stc|tc1_ct2", "verdict"): "Không đạt",
                                       ("items", "stc|tc1_ct2", "opinion"): "Không có quy chế"})
    _, published, _ = season.run()
    assert (docs / "TraLoi_STC.docx").is_file()
    (docs / "TraLoi_STC.pdf").write_bytes(b"%PDF-1.4 signed")  # the clerk's signed copy
    edited = docs / "ToTrinh_2025.docx"
    edited_bytes = edited.read_bytes() + b"\0"
    edited.write_bytes(edited_bytes)  # edited by hand (any change of bytes)
    os.utime(edited, (1768000000, 1768000000))
    _, published, _ = season.run()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(1768000000))
    assert sorted(published.kept) == sorted(["TraLoi_STC.pdf", f"ToTrinh_2025_ban_sua_{stamp}.docx"])
    assert (docs / "TraLoi_STC.pdf").read_bytes() == b"%PDF-1.4 signed"
    assert (docs / f"ToTrinh_2025_ban_sua_{stamp}.docx").read_bytes() == edited_bytes
    assert (docs / "ToTrinh_2025.docx").read_bytes() != edited_bytes  # this run's own
    _, published, _ = season.run()  # carried again, never doubled
    assert sorted(published.kept) == sorted(["TraLoi_STC.pdf", f"ToTrinh_2025_ban_sua_{stamp}.docx"])


def test_a_process_that_fails_while_sharing_the_outputs_costs_time_not_a_file(season, monkeypatch):
    """The workbook, pages and documents are shared by two processes (publish._stage): when the
    forked one fails (here: writing the season's documents, which it always takes), this one
    writes the pages and documents again, and the outputs are the ones a sound run writes."""
    import processor.report.documents as documents

    fill_council(season.book if season.book.exists() else season.run()[2].path, RUBRIC,
                 {("items", "stc|tc1_ct2", "verdict"): "Không đạt", ("items", "stc|tc1_ct2", "opinion"): "Thiếu"})
    _, published, _ = season.run()
    sound = {p.name: p.read_bytes() for p in published.documents.iterdir()}
    pages = sorted(p.name for p in published.index.parent.iterdir())
    assert "TraLoi_STC.docx" in sound
    parent, real = os.getpid(), documents._summary_table

    def failing_in_the_child(ctx):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise OSError(errno.EIO, "Input/output error")
        return real(ctx)

    monkeypatch.setattr(documents, "_summary_table", failing_in_the_child)
    _, published, _ = season.run()
    assert {p.name: p.read_bytes() for p in published.documents.iterdir()} == sound
    assert sorted(p.name for p in published.index.parent.iterdir()) == pages


def test_a_child_that_fails_on_the_index_page_leaves_the_pages_whole_and_quiet(season, monkeypatch, capfd):
    """The forked process renders the index page before it takes pages: when that fails, this
    process writes the index and the pages again, the mark lists every page, and the child
    leaves without a traceback on the console."""
    import processor.report.publish as publish
    from processor.report.publish import HTML_MARK

    _, published, _ = season.run()
    sound = sorted(p.name for p in published.index.parent.iterdir())
    parent, real = os.getpid(), publish.render_index

    def failing_in_the_child(*args):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args)

    monkeypatch.setattr(publish, "render_index", failing_in_the_child)
    capfd.readouterr()
    _, published, _ = season.run()
    folder = published.index.parent
    assert sorted(p.name for p in folder.iterdir()) == sound
    listed = (folder / HTML_MARK).read_text(encoding="utf-8").splitlines()[1:]
    assert sorted(listed) == sorted(n for n in sound if n != HTML_MARK)
    assert "Traceback" not in capfd.readouterr().err


def test_a_folder_inside_van_ban_stops_the_run_before_anything_is_replaced(season):
    from processor.model.errors import OutputError

    _, published, _ = season.run()
    (published.documents / "ban_ky").mkdir()
    before = published.workbook.read_bytes()
    with pytest.raises(OutputError, match="ban_ky"):
        season.run()
    assert published.workbook.read_bytes() == before and (published.documents / "ban_ky").is_dir()


# ---- odd council workbooks: the run finishes, says why in Vietnamese, leaves the file alone ----

def _encrypted(source: Path, target: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as plain, target.open("wb") as out:
        OOXMLFile(plain).encrypt("matkhau", out)


@pytest.mark.parametrize(("make", "reason"), [
    (lambda book, season: book.write_bytes(b""), "tệp rỗng, 0 byte"),
    (lambda book, season: book.write_bytes(b"%PDF-1.4 ..."), "tệp không phải sổ Excel mà là một tệp PDF"),
    (lambda book, season: book.write_bytes(b"PK\x03\x04 cut"), "tệp bị hỏng hoặc không phải sổ Excel"),
    (lambda book, season: _encrypted(season.blank, book), "sổ đặt mật khẩu mở; hãy gỡ mật khẩu"),
    (lambda book, season: book.mkdir(), "đây là một thư mục, không phải tệp"),
])
def test_an_odd_council_workbook_is_reported_in_vietnamese_and_left_alone(season, make, reason):
    season.book.parent.mkdir(parents=True)
    make(season.book, season)
    before = season.book.read_bytes() if season.book.is_file() else None
    result, _, update = season.run()
    assert result.council.entries.unreadable == reason
    assert update.status == UpdateStatus.UNREADABLE and f"({reason})" in update.line()
    assert (season.book.read_bytes() if season.book.is_file() else None) == before
    assert {code: f.rank for code, f in finals(result).items()} == {"SNV": 2, "STC": 1, "SXD": 1, "SYT": None}


def test_a_value_typed_far_outside_the_table_does_not_stop_the_run(season):
    """A value in the last cell of a sheet would make the reader allocate the whole sheet
    (1 048 576 × 16 384 cells): the process died. The workbook is refused, naming the cell."""
    import openpyxl

    season.run()
    fill_council(season.book, RUBRIC, {("units", "sxd", "reason"): "Chờ bổ sung"})
    wb = openpyxl.load_workbook(season.book)
    wb[UNITS_SHEET]["XFD1048576"] = "x"
    wb.save(season.book)
    before = season.book.read_bytes()
    result, _, update = season.run()
    assert result.council.entries.unreadable == (
        f'trang "{UNITS_SHEET}" có dữ liệu ở ô XFD1048576, ngoài bảng của sổ; hãy xoá nội dung ô đó')
    assert update.status == UpdateStatus.UNREADABLE and season.book.read_bytes() == before


@pytest.mark.parametrize("inside", ["html", "van_ban", ".dvht"])
def test_a_review_dir_inside_a_folder_the_run_replaces_is_refused_in_one_line(tmp_path, inside):
    """html/ and van_ban/ are replaced whole by every run: a council workbook there would be
    refused as foreign by the next run (html/) or copied about as a clerk's file (van_ban/)."""
    from tests.test_cli import run

    inbox = tmp_path / "ho_so"
    inbox.mkdir()
    out = tmp_path / "kq"
    review = out / inside / "tham_dinh"
    code, printed, err = run("process", str(inbox), "--year", "2025", "--out", str(out), "--review-dir", str(review),
                             "--ngay-chay", "20/01/2026")
    assert (code, printed) == (2, "")
    assert err == (f"Lỗi: thư mục sổ thẩm định {review} nằm trong {out / inside}, nơi mỗi lần chạy ghi lại toàn bộ; "
                   "hãy chọn thư mục khác (mặc định: tham_dinh/ trong thư mục kết quả)\n")
    assert not (out / inside).exists()


def _set_key(book: Path, sheet_name: str, old: str, new: str | None) -> int:
    """Change a row's hidden key, as a person can once the sheet's protection is lifted;
    returns the row's 1-based number."""
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb[sheet_name]
    layout = build_council_layout(RUBRIC)
    column = (layout.items if sheet_name == ITEMS_SHEET else layout.units).index["key"] + 1
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, column).value == old)
    ws.cell(row, column).value = new
    wb.save(book)
    return row


def test_two_rows_with_one_key_apply_neither_and_the_workbook_is_not_rewritten(season):
    """A row copied over another (protection lifted) carries the other row's hidden key: an
    update would keep one of the two and lose what was typed in the other."""
    season.run()
    fill_council(season.book, RUBRIC, {("units", "snv", "conclusion"): "Không đề nghị",
                                       ("units", "snv", "reason"): "Lý do A",
                                       ("units", "stc", "reason"): "Lý do B"})
    row = _set_key(season.book, UNITS_SHEET, "stc", "snv")
    first = council_cell(RUBRIC, season.book, "units", "snv", "reason")
    before = season.book.read_bytes()
    season.dossier("SYT", 1)  # something new to write
    result, _, update = season.run()
    assert council_issues(result) == [make_issue(
        "council-row-duplicate-key", BOOK, UNITS_SHEET, f"N{row}", dong=row, khoa="snv",
        dong_dau=int(first[1:]))]
    assert finals(result)["SNV"].rank == 2 and finals(result)["SNV"].state == ReviewState.NONE  # neither applied
    assert update.status == UpdateStatus.NOT_UPDATED and season.book.read_bytes() == before
    assert "trùng khoá" in update.line()


def test_a_row_that_lost_its_key_keeps_the_workbook_as_it_is(season):
    season.run()
    fill_council(season.book, RUBRIC, {("items", "stc|tc1_ct2", "verdict"): "Không đạt",
                                       ("items", "stc|tc1_ct2", "opinion"): "Không có quy chế"})
    row = _set_key(season.book, ITEMS_SHEET, "stc|tc1_ct2", None)
    before = season.book.read_bytes()
    season.dossier("SYT", 1)
    result, _, update = season.run()
    assert council_issues(result) == [make_issue("council-row-no-key", BOOK, ITEMS_SHEET, f"K{row}", dong=row)]
    assert finals(result)["STC"].rank == 1
    assert update.status == UpdateStatus.NOT_UPDATED and season.book.read_bytes() == before


def test_a_value_that_cannot_be_read_is_marked_not_applied_in_its_row(season):
    """The row of a value the reader refused said nothing, as if the value had been accepted."""
    season.run()
    fill_council(season.book, RUBRIC, {("items", "snv|tc2_ct1", "verdict"): "chín mươi",
                                       ("items", "snv|tc1_ct1", "verdict"): "Có"})
    season.run()
    assert [(r["key"], r.get("verdict"), r.get("item_state")) for r in read_council_rows(season.book, RUBRIC, "items")
            if r.get("verdict")] == [("snv|tc1_ct1", "Có", "Chưa áp dụng (không hợp lệ)"),
                                     ("snv|tc2_ct1", "chín mươi", "Chưa áp dụng (không hợp lệ)")]


def test_a_backup_of_the_same_second_never_replaces_nor_stands_for_another_version(season):
    """Backups are named after the save time of the version they keep: a name already taken
    by another version (a copy that kept its date, two saves in one second) must not mean
    that this version goes unsaved."""
    season.run()
    fill_council(season.book, RUBRIC, {("units", "sxd", "reason"): "Chờ bổ sung"})
    os.utime(season.book, (1768000000, 1768000000))
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(1768000000))
    older = season.book.with_name(f"ThamDinh_DVHT_2025_ban_luu_{stamp}.xlsx")
    older.write_bytes(b"an older version")
    version = season.book.read_bytes()
    season.dossier("SYT", 1)
    _, _, update = season.run()
    assert update.status == UpdateStatus.WRITTEN and older.read_bytes() == b"an older version"
    assert update.backup == season.book.with_name(f"ThamDinh_DVHT_2025_ban_luu_{stamp}_2.xlsx")
    assert update.backup.read_bytes() == version


def test_the_lock_files_of_a_letter_open_in_word_or_libreoffice_are_not_carried_over(season):
    """They belong to the program that has the old letter open: carried beside the new
    letter, they make it look open by someone, run after run."""
    _, published, _ = season.run()
    docs = published.documents
    (docs / "~$Trinh_2025.docx").write_bytes(b"\x0bNguyen Van B")
    (docs / ".~lock.ToTrinh_2025.docx#").write_text("Nguyễn Văn B,may-1,20.01.2026 10:00,", encoding="utf-8")
    (docs / "ghi_chu.txt").write_text("ghi chú của văn thư", encoding="utf-8")
    _, published, _ = season.run()
    assert published.kept == ("ghi_chu.txt",)
    assert sorted(p.name for p in docs.iterdir() if p.name.startswith(("~$", ".~lock"))) == []


def test_a_file_name_that_two_files_of_the_unit_share_asks_for_the_code(season):
    """"No file of the unit matches" was said of a name that matched two of them."""
    (season.inbox / "lan_1").mkdir()
    (season.inbox / "lan_2").mkdir()
    season.dossier("STC", 1, name="lan_1/STC_ho_so.xlsx", mtime=FIXED_TIME.timestamp())
    season.dossier("STC", 1, name="lan_2/STC_ho_so.xlsx", mtime=FIXED_TIME.timestamp() + 60, so_dat_tc2_ct1=99)
    (season.inbox / "STC.xlsx").unlink()
    result, _, _ = season.run()
    files = sorted((f.rel, file_code(f.sha256)) for f in result.resolution.files if f.rel.startswith("lan_"))
    fill_council(season.book, RUBRIC, {("units", "stc", "file_choice"): "STC_ho_so.xlsx"})
    result, _, _ = season.run()
    assert council_issues(result) == [make_issue(
        "council-file-ambiguous", BOOK, UNITS_SHEET, council_cell(RUBRIC, season.book, "units", "stc", "file_choice"),
        gia_tri="STC_ho_so.xlsx", cac_tep="; ".join(f"{code} {rel}" for rel, code in files))]


def test_a_far_cell_with_a_format_only_is_no_reason_to_refuse_the_workbook(season):
    import openpyxl
    from openpyxl.styles import Font

    season.run()
    fill_council(season.book, RUBRIC, {("units", "sxd", "conclusion"): "Không đề nghị",
                                       ("units", "sxd", "reason"): "Đơn vị xin rút hồ sơ"})
    wb = openpyxl.load_workbook(season.book)
    wb[UNITS_SHEET]["XFD1048576"].font = Font(bold=True)  # formatted, nothing typed: the reader skips it
    wb.save(season.book)
    result, _, update = season.run()
    assert result.council.entries.unreadable == "" and finals(result)["SXD"].rank is None
    assert update.status == UpdateStatus.WRITTEN


def test_indicator_entries_of_a_unit_whose_row_lost_its_key_do_not_crash_the_run(season):
    """A unit's Kết luận row without its key (and nothing typed in it) left its indicator
    entries without the cells of the unit row, and judging them raised KeyError (exit 3)."""
    season.run()
    fill_council(season.book, RUBRIC, {("items", "stc|tc1_ct2", "verdict"): "Không đạt",
                                       ("items", "stc|tc1_ct2", "opinion"): "Không có quy chế"})
    cell = council_cell(RUBRIC, season.book, "items", "stc|tc1_ct2", "verdict")
    _set_key(season.book, UNITS_SHEET, "stc", None)
    result, _, update = season.run()
    # the file they were typed for was on the lost row: kept, not applied, and said so
    assert (finals(result)["STC"].state, finals(result)["STC"].rank) == (ReviewState.STALE, 1)
    new = next(f.sha256 for f in result.resolution.files if f.rel == "STC.xlsx")
    assert council_issues(result) == [make_issue("council-review-needed", BOOK, ITEMS_SHEET, cell, cu="(không rõ)",
                                                 moi=file_code(new))]
    assert update.status == UpdateStatus.WRITTEN
    assert council_row(season.book, RUBRIC, "items", "stc|tc1_ct2")["verdict"] == "Không đạt"
    assert council_row(season.book, RUBRIC, "units", "stc")["code"] == "STC"  # the row is written again


def test_entries_saved_while_the_run_was_going_are_not_overwritten(season):
    """The update rebuilds the workbook from what was read when the run began: a save made
    in between (the council closed the workbook before the run ended) was silently undone."""
    season.run()
    options = BatchOptions(input_dir=season.inbox, out_dir=season.out, year=2025, rubric=RUBRIC, roster=ROSTER,
                           deadline=date(2026, 1, 14), workers=1, today=date(2026, 1, 20), tier="tinh")
    season.dossier("SYT", 1)  # something for the update to add
    result = run_batch(options)  # reads the workbook
    fill_council(season.book, RUBRIC, {("units", "sxd", "reason"): "Ghi trong lúc đang chạy"})
    saved = season.book.read_bytes()
    update = update_council_workbook(result, publish(result).summary, result.council_path, "dvht")
    assert update.status == UpdateStatus.NOT_UPDATED and season.book.read_bytes() == saved
    assert "được lưu lại trong lúc chạy" in update.line()
    _, _, update = season.run()  # the next run reads it, and keeps it
    assert update.status == UpdateStatus.WRITTEN
    assert council_row(season.book, RUBRIC, "units", "sxd")["reason"] == "Ghi trong lúc đang chạy"


def test_every_entry_cell_keeps_its_check_its_fill_and_its_lock_after_a_rebuild(season):
    """The rows are spliced in as text and the checks grouped by kind: each verdict cell still
    has the one check of its indicator's kind, every entry cell is yellow and unlocked, the
    others locked."""
    import openpyxl
    from openpyxl.worksheet.cell_range import MultiCellRange

    season.run()
    layout = build_council_layout(RUBRIC)
    wb = openpyxl.load_workbook(season.book)
    items, units = wb[layout.items.name], wb[layout.units.name]
    rows = read_council_rows(season.book, RUBRIC, "items")
    verdict_col = layout.items.index["verdict"] + 1
    checks: dict[str, list[str]] = {}
    for dv in items.data_validations.dataValidation:
        for n, row in enumerate(rows):
            cell = items.cell(HEADER_ROW + 2 + n, verdict_col).coordinate
            if cell in MultiCellRange(str(dv.sqref)):
                checks.setdefault(row["key"], []).append(f"{dv.type}:{dv.formula1}:{dv.formula2}")
    kinds = {i.id: i.type.value for i in LAYOUT.tier.indicators}
    assert sorted(checks) == sorted(r["key"] for r in rows)
    assert all(len(v) == 1 for v in checks.values())
    for row in rows:
        kind = kinds[row["key"].split("|", 1)[1]]
        assert checks[row["key"]][0].startswith("whole:" if kind == "percent" else "list:"), (row["key"], kind)
    for ws, sheet in ((items, layout.items), (units, layout.units)):
        for n in range(len(read_council_rows(season.book, RUBRIC, "items" if ws is items else "units"))):
            for c, column in enumerate(sheet.columns):
                cell = ws.cell(HEADER_ROW + 2 + n, c + 1)
                assert cell.protection.locked is (not column.entry), (ws.title, cell.coordinate)
                assert (cell.fill.fgColor.rgb == "FFFFF2CC") is column.entry, (ws.title, cell.coordinate)
    conclusion = units.cell(HEADER_ROW + 2, layout.units.index["conclusion"] + 1).coordinate
    assert [dv.type for dv in units.data_validations.dataValidation if conclusion in MultiCellRange(str(dv.sqref))] \
        == ["list"]
