"""What the register shows in the reports (issue 14): the "Thay đổi" sheet and the console's
three lines after two real runs with the register between them, the units a recognition
covers ("Đang bảo lưu") or that are due for re-recognition, and their history on the page and
in the workbook. The README's queries are run against a real register."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from processor.model.batch import BatchOptions
from processor.model.council import file_code
from processor.model.level_layout import build_level_layout
from processor.model.records import Unit
from processor.model.register import Recognition
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.pipeline import run_batch, validity_years
from processor.register.store import record_run, store_recognitions
from processor.report.console import summary_lines
from processor.report.publish import Published, publish
from processor.report.register_record import run_record
from processor.template.filler import fill_template
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from tests.conftest import FIXED_TIME, list_rows
from tests.test_level_recalc import complete

RUBRIC = load_rubric("tt24-2023")
LAYOUT = build_level_layout(RUBRIC, "tinh")
OFFICE = "co_quan_nha_nuoc"
ROSTER = (
    Unit("SNV", "Sở Nội vụ", "Sở, ban, ngành", kind=OFFICE),
    Unit("STC", "Sở Tài chính", "Sở, ban, ngành", kind=OFFICE),
    Unit("SXD", "Sở Xây dựng", "Sở, ban, ngành", kind=OFFICE),
    Unit("SYT", "Sở Y tế", "Sở, ban, ngành", kind=OFFICE),
    Unit("SGD", "Sở Giáo dục và Đào tạo", "Sở, ban, ngành", kind=OFFICE),
)
BROKEN = {"minh_chung_tc1_ct1": None}  # "Đạt" without evidence: an error, the unit is Cần sửa
README = Path(__file__).parent.parent / "README.md"


@dataclass
class Season:
    """One season's inbox and output, its register, and a run as `run.py process` makes it."""

    root: Path
    year: int
    roster: tuple[Unit, ...] = ROSTER

    def __post_init__(self) -> None:
        self.inbox = self.root / "ho_so"
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.out = self.root / "out"
        self.db = self.root / "dvht.sqlite"
        self.blank = write_level_template(self.root / f"Mau_{self.year}.xlsx", LevelTemplateRequest(
            LAYOUT, load_settings(), self.year, generated_at=FIXED_TIME))

    def dossier(self, code: str, **changes) -> Path:
        unit = next(u for u in self.roster if u.code == code)
        values = complete(LAYOUT, OFFICE, 1, 100, None, ngay_bao_cao=date(self.year + 1, 1, 10), ma_don_vi=code,
                          ten_don_vi=unit.name, **changes)
        return fill_template(self.blank, self.inbox / f"{code}.xlsx",
                             {k: v for k, v in values.items() if v is not None})

    def run(self) -> tuple[Published, list[str], datetime]:
        """As processor/cli.py's _run_batch: run, publish, record the run in the register."""
        options = BatchOptions(input_dir=self.inbox, out_dir=self.out, year=self.year, rubric=RUBRIC,
                               roster=self.roster, deadline=date(self.year + 1, 1, 14), workers=1,
                               today=date(self.year + 1, 1, 20), tier="tinh", register_path=self.db)
        result = run_batch(options)
        published = publish(result)
        record_run(self.db, validity_years, run_record(result, published.summary, datetime.now().astimezone()))
        return published, summary_lines(published.summary, published.paths), result.started_at

    def workbook(self) -> Path:
        return self.out / f"TongHop_DVHT_{self.year}.xlsx"

    def recognise(self, *recognitions: Recognition) -> None:
        stored = store_recognitions(self.db, validity_years, recognitions, "2026-01-01T00:00:00+07:00")
        assert stored.conflicts == ()


def sheet_rows(path: Path, sheet: str) -> list[list]:
    return [list(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def table(path: Path, sheet: str, first_row: int = 0) -> list[dict]:
    header, *body = sheet_rows(path, sheet)[first_row:]
    return [dict(zip(header, r, strict=True)) for r in body]


def code_of(path: Path) -> str:
    return file_code(hashlib.sha256(path.read_bytes()).hexdigest())


def changes_lines(lines: list[str]) -> list[str]:
    """The lines between the file counts and the units' counts."""
    start = next(i for i, line in enumerate(lines) if line.startswith("Tệp tìm thấy"))
    end = next(i for i, line in enumerate(lines) if line.startswith("Đơn vị:"))
    return lines[start + 1:end]


@pytest.fixture
def season(tmp_path: Path) -> Season:
    return Season(tmp_path, 2025)


def test_first_run_of_a_season_says_so_on_the_console_in_the_log_and_in_the_sheet(season):
    season.dossier("SNV")
    published, lines, _ = season.run()
    assert changes_lines(lines) == ["Lần chạy đầu tiên của đợt năm 2025"]
    assert "Lần chạy đầu tiên của đợt năm 2025" in published.log.read_text(encoding="utf-8")
    rows = sheet_rows(season.workbook(), "Thay đổi")
    assert rows == [["Lần chạy đầu tiên của đợt năm 2025: chưa có lần chạy trước để so sánh.", None, None, None,
                     None, None],
                    [None] * 6,
                    ["STT", "Thay đổi", "Đơn vị", "Tệp", "Trước", "Nay"]]
    assert openpyxl.load_workbook(season.workbook()).sheetnames[:2] == ["Tổng hợp", "Thay đổi"]
    history = sheet_rows(season.workbook(), "Lịch sử công nhận")
    assert history[1][0] == ("Cơ sở dữ liệu chưa có quyết định công nhận nào của các đơn vị này; nhập các quyết định "
                             "đã có bằng lệnh register import.")
    assert len(history) == 3


def test_changes_after_adding_fixing_breaking_and_removing_files(season):
    season.dossier("SNV")
    season.dossier("STC", **BROKEN)
    season.dossier("SXD")
    gone = season.dossier("SYT")
    _, _, first_started = season.run()
    old = {p.name: code_of(p) for p in season.inbox.iterdir()}

    new = season.dossier("SGD")  # a new file, a new unit Hợp lệ
    fixed = season.dossier("STC")  # errors -> Hợp lệ
    broken = season.dossier("SXD", **BROKEN)  # Hợp lệ -> Cần sửa
    gone.unlink()  # SYT lost its only file
    published, lines, _ = season.run()

    when = first_started.strftime("%d/%m/%Y %H:%M")
    assert changes_lines(lines) == [
        f"Thay đổi từ lần chạy trước ({when}): 3 tệp mới hoặc đã sửa, 1 tệp không còn",
        "  2 đơn vị thành Hợp lệ: STC, SGD",
        "  2 đơn vị thành Cần sửa hoặc mất tệp: SXD, SYT",
    ]
    log = published.log.read_text(encoding="utf-8")
    assert "  2 đơn vị thành Cần sửa hoặc mất tệp: SXD, SYT" in log
    rows = sheet_rows(season.workbook(), "Thay đổi")
    assert rows[0][0] == f"Thay đổi so với lần chạy trước của đợt năm 2025 (lần chạy lúc {when})"
    assert [tuple(r) for r in rows[3:]] == [
        (1, "Tệp mới", "SGD Sở Giáo dục và Đào tạo", "SGD.xlsx", "(chưa có)", f"Mã tệp {code_of(new)}, Đã dùng"),
        (2, "Tệp đã sửa", "STC Sở Tài chính", "STC.xlsx", f"Mã tệp {old['STC.xlsx']}",
         f"Mã tệp {code_of(fixed)}, Đã dùng"),
        (3, "Tệp đã sửa", "SXD Sở Xây dựng", "SXD.xlsx", f"Mã tệp {old['SXD.xlsx']}",
         f"Mã tệp {code_of(broken)}, Cần sửa"),
        (4, "Tệp không còn", "SYT Sở Y tế", "SYT.xlsx", f"Mã tệp {old['SYT.xlsx']}", "Không còn trong thư mục hồ sơ"),
        (5, "Thành Hợp lệ", "STC Sở Tài chính", "STC.xlsx", "Cần sửa", "Hợp lệ"),
        (6, "Thành Hợp lệ", "SGD Sở Giáo dục và Đào tạo", "SGD.xlsx", "Chưa nộp", "Hợp lệ"),
        (7, "Thành Cần sửa", "SXD Sở Xây dựng", "SXD.xlsx", "Hợp lệ", "Cần sửa"),
        (8, "Mất tệp", "SYT Sở Y tế", "SYT.xlsx", "Hợp lệ", "Chưa nộp"),
    ]


def test_a_run_with_nothing_new_lists_no_change(season):
    season.dossier("SNV")
    season.run()
    _, lines, _ = season.run()
    assert changes_lines(lines)[1:] == ["  0 đơn vị thành Hợp lệ", "  0 đơn vị thành Cần sửa hoặc mất tệp"]
    assert changes_lines(lines)[0].endswith(": 0 tệp mới hoặc đã sửa")
    rows = sheet_rows(season.workbook(), "Thay đổi")
    assert rows[1][0] == "Không có thay đổi nào." and len(rows) == 3


def test_names_on_a_change_line_are_capped(tmp_path):
    roster = (*ROSTER, Unit("STP", "Sở Tư pháp", "Sở, ban, ngành", kind=OFFICE),
              Unit("SCT", "Sở Công Thương", "Sở, ban, ngành", kind=OFFICE))
    season = Season(tmp_path, 2025, roster)
    for u in roster:
        season.dossier(u.code, **BROKEN)
    season.run()
    for u in roster:
        season.dossier(u.code)
    _, lines, _ = season.run()
    assert changes_lines(lines)[1] == "  7 đơn vị thành Hợp lệ: SNV, STC, SXD, SYT, SGD và 2 đơn vị khác"
    assert changes_lines(lines)[0].endswith(": 7 tệp mới hoặc đã sửa")


LEVEL_1_2024 = Recognition("SYT", "Sở Y tế", 2024, "tt24-2023", level=1, decision="15/QĐ-UBND",
                           decision_date=date(2025, 1, 10), valid_through=2027, source="import")
CLASS_2022 = Recognition("SNV", "Sở Nội vụ", 2022, "tt22-2020", klass="Tốt", decision="20/QĐ-UBND",
                         decision_date=date(2023, 1, 12), source="import")
LEVEL_1_2024_SNV = Recognition("SNV", "Sở Nội vụ", 2024, "tt24-2023", level=1, decision="9/QĐ-UBND",
                               decision_date=date(2025, 1, 8), valid_through=2027, source="import")


def test_a_covered_unit_is_not_chased_and_shows_its_history(season):
    season.recognise(LEVEL_1_2024, CLASS_2022)
    season.dossier("SNV")
    season.run()
    book = season.workbook()
    summary = {r["Mã đơn vị"]: r for r in table(book, "Tổng hợp")}
    assert summary["SYT"]["Trạng thái"] == "Đang bảo lưu"
    assert summary["SYT"]["Công nhận trước, bảo lưu"] == "Đang bảo lưu đến năm 2027"
    assert summary["SNV"]["Công nhận trước, bảo lưu"] == "Tốt năm 2022, QĐ 20/QĐ-UBND"  # TT22: history only
    assert summary["STC"]["Công nhận trước, bảo lưu"] is None
    assert [r["Mã đơn vị"] for r in table(book, "Chưa nộp")] == ["STC", "SXD", "SGD"]
    history = list_rows(book, "Lịch sử công nhận")
    assert history[0][0] == "Các quyết định công nhận trong cơ sở dữ liệu của Sở, mới trước"
    assert [tuple(r) for r in history[2:]] == [
        ("Mã đơn vị", "Tên đơn vị", "Năm", "Thông tư/bộ tiêu chí", "Mức độ hoặc Xếp loại", "Số quyết định",
         "Ngày quyết định", "Bảo lưu đến năm"),
        ("SNV", "Sở Nội vụ", 2022, "Thông tư 22/2020", "Tốt", "20/QĐ-UBND", datetime(2023, 1, 12), None),
        ("SYT", "Sở Y tế", 2024, "Thông tư 24/2023", "Mức độ 1", "15/QĐ-UBND", datetime(2025, 1, 10), 2027),
    ]
    stats = sheet_rows(book, "Thống kê")
    by_status = next(i for i, r in enumerate(stats) if r[0] == "Số đơn vị theo trạng thái")
    assert [r[:2] for r in stats[by_status + 2:by_status + 6]] == [["Hợp lệ", 1], ["Cần sửa", 0], ["Chưa nộp", 3],
                                                                   ["Đang bảo lưu", 1]]
    page = (season.out / "html" / "SYT.html").read_text(encoding="utf-8")
    assert '<dd id="standing">Đang bảo lưu đến năm 2027</dd>' in page
    assert "đến hết năm 2027 nên năm nay không phải gửi hồ sơ" in page
    assert re.search(r'<table class="history" id="history">.*<td>2024</td><td>Thông tư 24/2023</td><td>Mức độ 1</td>'
                     r'<td>15/QĐ-UBND</td><td>10/01/2025</td><td>2027</td>', page, re.S)
    assert "Đơn vị chưa gửi phiếu tự đánh giá" not in page
    snv = (season.out / "html" / "SNV.html").read_text(encoding="utf-8")
    assert "<td>2022</td><td>Thông tư 22/2020</td><td>Tốt</td><td>20/QĐ-UBND</td><td>12/01/2023</td><td>—</td>" in snv
    index = (season.out / "html" / "index.html").read_text(encoding="utf-8")
    assert '<option value="Đang bảo lưu">Đang bảo lưu</option>' in index
    assert re.search(r'data-status="Đang bảo lưu"[^>]*data-code="SYT"', index)
    assert '<span class="tile-value">1</span><span class="tile-label">Đang bảo lưu</span>' in index


def test_in_the_last_covered_season_the_unit_is_due_and_chased(tmp_path):
    season = Season(tmp_path, 2027)
    season.recognise(LEVEL_1_2024)
    season.dossier("SNV")
    season.run()
    book = season.workbook()
    summary = {r["Mã đơn vị"]: r for r in table(book, "Tổng hợp")}
    assert summary["SYT"]["Trạng thái"] == "Chưa nộp"
    assert summary["SYT"]["Công nhận trước, bảo lưu"] == "Cần công nhận lại"
    missing = {r["Mã đơn vị"]: r["Lý do"] for r in table(book, "Chưa nộp")}
    assert missing == {"STC": "Chưa nộp", "SXD": "Chưa nộp", "SGD": "Chưa nộp",
                       "SYT": "Chưa nộp; cần công nhận lại (Mức độ 1 năm 2024 chỉ được bảo lưu đến hết năm 2027)"}
    page = (season.out / "html" / "SYT.html").read_text(encoding="utf-8")
    assert "Năm nay là năm cuối đơn vị được bảo lưu kết quả công nhận (Mức độ 1 năm 2024)" in page
    assert "Đơn vị chưa gửi phiếu tự đánh giá" in page


def readme_queries() -> list[str]:
    """The SQL blocks of the README's section on the register."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Xem cơ sở dữ liệu của Sở"):]
    section = section[:section.index("\n## ", 4)]
    return [q.strip() for q in re.findall(r"```sql\n(.*?)```", section, re.S)]


def test_readme_queries_run_against_a_real_register(tmp_path):
    season = Season(tmp_path, 2027)
    season.recognise(LEVEL_1_2024, CLASS_2022, LEVEL_1_2024_SNV)
    season.dossier("SNV")
    season.dossier("STC", **BROKEN)
    season.run()
    season.dossier("STC")
    season.run()
    queries = readme_queries()
    assert len(queries) == 3
    con = sqlite3.connect(season.db)
    results = [con.execute(q).fetchall() for q in queries]
    con.close()
    expiring, history, changed = results
    assert expiring == [("SNV", "Sở Nội vụ", 2024, 1, "9/QĐ-UBND", 2027),
                        ("SYT", "Sở Y tế", 2024, 1, "15/QĐ-UBND", 2027)]
    assert history == [(2024, "tt24-2023", 1, "", "9/QĐ-UBND", "2025-01-08", 2027),
                       (2022, "tt22-2020", None, "Tốt", "20/QĐ-UBND", "2023-01-12", None)]
    assert changed == [("STC", "Sở Tài chính", "to_fix", "valid")]


def test_a_unit_known_only_from_its_file_that_is_gone_is_said_to_have_lost_it(tmp_path):
    """Not in the roster, sent a file last time, nothing now: no row of this run, still news."""
    from processor.model.register import Change, ChangeKind, PreviousRun, RegisterView
    from processor.report.summary import summarise

    inbox = tmp_path / "ho_so"
    inbox.mkdir()
    options = BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=load_rubric("tt24-2023"),
                           workers=1, today=date(2026, 1, 20), tier="tinh")
    result = run_batch(options)
    previous = PreviousRun(run_id=1, started_at="2026-01-19T08:00:00+07:00", files={"X.xlsx": "ab" * 32},
                           units={"x1": "valid"}, unit_files={"x1": "X.xlsx"}, names={"x1": "X1 Đơn vị X"})
    result = replace(result, register=RegisterView(path=tmp_path / "db", previous=previous))
    assert summarise(result).changes == (
        Change(ChangeKind.FILE_GONE, "X1 Đơn vị X", "X.xlsx", "Mã tệp ABABABAB", "Không còn trong thư mục hồ sơ"),
        Change(ChangeKind.LOST_FILE, "X1 Đơn vị X", "X.xlsx", "Hợp lệ",
               "Không còn tệp nào (đơn vị không có trong danh sách)"),
    )
