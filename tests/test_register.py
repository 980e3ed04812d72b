"""The register (issue 14): its file, its migrations, one writer at a time, and what the
recognitions it holds change in a season — eligibility for level 2 and coverage."""

from __future__ import annotations

import io
import multiprocessing
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from processor.cli import main
from processor.model.batch import BatchOptions, BatchResult
from processor.model.level_layout import build_level_layout
from processor.model.records import Unit
from processor.model.register import Coverage, Recognition, standing
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.model.statuses import Status
from processor.pipeline import run_batch, validity_years
from processor.register.db import SCHEMA_VERSION, RegisterError, open_register
from processor.register.store import load_view, record_run, store_recognitions
from processor.report.publish import publish
from processor.report.register_record import run_record
from processor.template.filler import fill_template
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from tests.conftest import FIXED_TIME, NOBODY, as_nobody, give_to_nobody
from tests.test_level_recalc import complete

RUBRIC = load_rubric("tt24-2023")
LAYOUT = build_level_layout(RUBRIC, "tinh")
OFFICE = "co_quan_nha_nuoc"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
ROSTER = (Unit("SNV", "Sở Nội vụ", kind=OFFICE), Unit("STC", "Sở Tài chính", kind=OFFICE),
          Unit("SXD", "Sở Xây dựng", kind=OFFICE))


def level1(code: str, name: str, year: int, decided: date, decision: str = "15/QĐ-UBND") -> Recognition:
    return Recognition(unit_code=code, unit_name=name, year=year, rubric="tt24-2023", level=1, decision=decision,
                       decision_date=decided, valid_through=year + 3, source="import")


# ---- the file -------------------------------------------------------------------------------

def test_a_new_register_is_created_at_the_current_schema_with_the_rollback_journal(tmp_path):
    path = tmp_path / "du_lieu" / "dvht.sqlite"
    with open_register(path, validity_years) as con:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        app = con.execute("SELECT value FROM meta WHERE key = 'application'").fetchone()[0]
    assert (version, mode, app) == (SCHEMA_VERSION, "delete", "dvht")
    assert tables == {"meta", "runs", "files", "recognitions", "run_files", "unit_results", "unit_issues", "mail_sent",
                      "arrivals", "parsed_files"}
    assert not (path.parent / "dvht.sqlite-wal").exists()


def test_a_register_at_version_1_is_migrated_forward_keeping_its_data(tmp_path):
    path = tmp_path / "dvht.sqlite"
    con = sqlite3.connect(path)
    con.executescript((FIXTURES / "register_v1.sql").read_text(encoding="utf-8"))
    con.close()
    view = load_view(path, validity_years, 2025, "tt24-2023")
    assert view.previous is None  # the run was of the 2024 season
    assert view.recognitions["snv"] == (
        Recognition("SNV", "Sở Nội vụ", 2024, "tt24-2023", 1, "", "15/QĐ-UBND", date(2025, 2, 10), 2027, "record"),
        Recognition("SNV", "Sở Nội vụ", 2022, "tt22-2020", None, "Tốt", "88/QĐ-UBND", date(2023, 3, 20), None,
                    "import"),
    )
    with open_register(path, validity_years) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("SELECT path, last_outcome FROM files").fetchall() == [("SNV.xlsx", "used")]
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_a_failed_migration_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "dvht.sqlite"
    con = sqlite3.connect(path)
    con.executescript((FIXTURES / "register_v1.sql").read_text(encoding="utf-8"))
    con.close()
    before = path.read_bytes()

    def broken(rubric_id: str) -> int | None:
        raise RuntimeError("rubric file unreadable")

    with pytest.raises(RuntimeError):
        load_view(path, broken, 2025, "tt24-2023")
    assert path.read_bytes() == before


@pytest.mark.parametrize(("content", "expected"), [
    (b"Day la ghi chu, khong phai co so du lieu\n" * 50, "không phải cơ sở dữ liệu của phần mềm này"),
    (None, "không phải cơ sở dữ liệu của phần mềm này"),  # SQLite, but someone else's tables
    ("newer", "do phiên bản mới hơn của phần mềm tạo (lược đồ 99; phiên bản này đọc đến lược đồ 4)"),
])
def test_a_file_that_is_not_our_register_or_is_newer_is_refused_in_one_line(tmp_path, content, expected):
    path = tmp_path / "dvht.sqlite"
    if content is None:
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE khach_hang (ten TEXT)")
        con.commit()
        con.close()
    elif content == "newer":
        with open_register(path, validity_years):
            pass
        con = sqlite3.connect(path)
        con.execute("PRAGMA user_version = 99")
        con.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(RegisterError, match=r".*") as caught:
        load_view(path, validity_years, 2025, "tt24-2023")
    assert expected in str(caught.value)
    assert path.read_bytes() == before
    inbox = tmp_path / "ho_so"
    inbox.mkdir()
    out, err = io.StringIO(), io.StringIO()
    code = main(["process", str(inbox), "--year", "2025", "--out", str(tmp_path / "kq"), "--db", str(path)],
                stdout=out, stderr=err)
    assert code == 2 and err.getvalue().count("\n") == 1 and expected in err.getvalue()
    assert not (tmp_path / "kq" / "TongHop_DVHT_2025.xlsx").exists()


def _hold_write_lock(path: str, ready, release) -> None:  # type: ignore[no-untyped-def]
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO meta (key, value) VALUES ('held', 'yes')")
    ready.set()
    release.wait(30)
    con.execute("COMMIT")
    con.close()


def test_a_second_writer_waits_then_refuses_and_never_corrupts(tmp_path):
    path = tmp_path / "dvht.sqlite"
    with open_register(path, validity_years):
        pass
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_write_lock, args=(str(path), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(RegisterError) as caught:
            store_recognitions(path, validity_years, [level1("SNV", "Sở Nội vụ", 2024, date(2025, 2, 10))],
                               "2026-01-01T00:00:00", timeout=0.3)
        assert str(caught.value) == (f"Cơ sở dữ liệu {path} đang được một lần chạy khác ghi; hãy chờ lần chạy đó xong "
                                     "rồi chạy lại.")
    finally:
        release.set()
        holder.join(30)
    # once the first writer is done, the second goes through; the file is sound
    stored = store_recognitions(path, validity_years, [level1("SNV", "Sở Nội vụ", 2024, date(2025, 2, 10))],
                                "2026-01-01T00:00:00", timeout=5)
    assert len(stored.added) == 1
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT value FROM meta WHERE key = 'held'").fetchone()[0] == "yes"
    con.close()


# ---- a season with the register ----------------------------------------------------------------

@dataclass
class Season:
    root: Path
    year: int = 2025

    @property
    def db(self) -> Path:
        return self.root / "out" / "du_lieu" / "dvht.sqlite"

    @property
    def inbox(self) -> Path:
        return self.root / f"ho_so_{self.year}"

    def blank(self) -> Path:
        path = self.root / f"Mau_{self.year}.xlsx"
        if not path.exists():
            write_level_template(path, LevelTemplateRequest(LAYOUT, load_settings(), self.year,
                                                            generated_at=FIXED_TIME))
        return path

    def dossier(self, code: str, level: int, report: date, **changes) -> Path:
        unit = next(u for u in ROSTER if u.code == code)
        values = complete(LAYOUT, OFFICE, level, 100, None, ngay_bao_cao=report, ma_don_vi=code,
                          ten_don_vi=unit.name, nam_danh_gia=self.year, **changes)
        self.inbox.mkdir(exist_ok=True)
        return fill_template(self.blank(), self.inbox / f"{code}.xlsx",
                             {k: v for k, v in values.items() if v is not None})

    def run(self) -> BatchResult:
        self.inbox.mkdir(exist_ok=True)
        options = BatchOptions(input_dir=self.inbox, out_dir=self.root / "out", year=self.year, rubric=RUBRIC,
                               roster=ROSTER, workers=1, today=date(self.year + 1, 1, 20), tier="tinh",
                               deadline=date(self.year + 1, 1, 14))
        result = run_batch(options)
        published = publish(result)
        record_run(self.db, validity_years, run_record(result, published.summary, FIXED_TIME))
        return result


def by_code(result: BatchResult) -> dict[str, tuple]:
    return {u.unit.code: (u.status, result.verdicts[i].level if i in result.verdicts else None,
                          sorted(x.code for x in u.submission.issues if x.code in ("level-not-eligible",
                                                                                    "prior-differs-register"))
                          if u.submission else [])
            for i, u in enumerate(result.resolution.units)}


TYPED_13_MONTHS = {"cong_nhan_truoc_muc_do": "Mức độ 1", "cong_nhan_truoc_so_qd": "15/QĐ-UBND",
                   "cong_nhan_truoc_ngay": date(2024, 12, 5)}


def test_eligibility_for_level_2_comes_from_the_register_not_from_what_the_unit_typed(tmp_path):
    s = Season(tmp_path)
    report = date(2026, 1, 10)
    # SNV typed a decision 13 months old; the register holds it 11 months old: not eligible
    s.dossier("SNV", 2, report, **TYPED_13_MONTHS)
    # STC typed nothing of it; the register holds a decision 12 months old: eligible
    s.dossier("STC", 2, report)
    # SXD typed exactly what the register holds (12 months): eligible, no warning
    s.dossier("SXD", 2, report, cong_nhan_truoc_muc_do="Mức độ 1", cong_nhan_truoc_so_qd="20/QĐ-UBND",
              cong_nhan_truoc_ngay=date(2025, 1, 10))
    store_recognitions(s.db, validity_years, [
        level1("SNV", "Sở Nội vụ", 2024, date(2025, 2, 10)),  # 11 months before 10/01/2026
        level1("STC", "Sở Tài chính", 2024, date(2025, 1, 10), "18/QĐ-UBND"),  # 12 months
        level1("SXD", "Sở Xây dựng", 2024, date(2025, 1, 10), "20/QĐ-UBND"),
    ], "2025-03-01T00:00:00")
    result = s.run()
    assert by_code(result) == {
        "SNV": (Status.VALID, 1, ["level-not-eligible", "prior-differs-register"]),
        "STC": (Status.VALID, 2, []),
        "SXD": (Status.VALID, 2, []),
    }
    snv = next(u.submission for u in result.resolution.units if u.unit.code == "SNV")
    warning = next(i for i in snv.issues if i.code == "prior-differs-register")
    assert warning.message == ("Đơn vị ghi quyết định công nhận trước là 15/QĐ-UBND ngày 05/12/2024, nhưng cơ sở dữ "
                               "liệu của Sở ghi quyết định 15/QĐ-UBND ngày 10/02/2025 công nhận mức độ 1 năm 2024. "
                               "Điều kiện đề nghị mức độ cao hơn được tính theo cơ sở dữ liệu; hãy kiểm tra lại số và "
                               "ngày quyết định.")
    assert (warning.sheet, warning.cell) == (LAYOUT.identity["cong_nhan_truoc_so_qd"].sheet,
                                             LAYOUT.identity["cong_nhan_truoc_so_qd"].a1)


def test_without_a_recognition_in_the_register_the_typed_decision_counts(tmp_path):
    s = Season(tmp_path)
    s.dossier("SNV", 2, date(2026, 1, 10), **TYPED_13_MONTHS)
    assert by_code(s.run())["SNV"] == (Status.VALID, 2, [])


def test_a_tt22_class_is_history_not_a_level_1_recognition(tmp_path):
    s = Season(tmp_path)
    s.dossier("SNV", 2, date(2026, 1, 10))
    store_recognitions(s.db, validity_years, [Recognition("SNV", "Sở Nội vụ", 2022, "tt22-2020", klass="Tốt",
                                                          decision="88/QĐ-UBND", decision_date=date(2023, 3, 20))],
                       "2025-03-01T00:00:00")
    result = s.run()
    assert by_code(result)["SNV"] == (Status.VALID, 1, ["level-not-eligible"])
    assert result.standings[0].coverage == Coverage.NONE and len(result.standings[0].history) == 1


@pytest.mark.parametrize(("season", "coverage"), [(2024, Coverage.NONE), (2025, Coverage.COVERED),
                                                  (2026, Coverage.COVERED), (2027, Coverage.RENEWAL_DUE),
                                                  (2028, Coverage.NONE)])
def test_a_recognition_for_2024_covers_2025_to_2027_and_is_due_for_renewal_in_2027(season, coverage):
    history = (level1("SNV", "Sở Nội vụ", 2024, date(2025, 2, 10)),)
    assert standing(history, season).coverage == coverage


@pytest.mark.parametrize(("year", "status"), [(2025, Status.COVERED), (2027, Status.MISSING)])
def test_a_covered_unit_is_not_chased_but_one_due_for_renewal_is(tmp_path, year, status):
    s = Season(tmp_path, year)
    store_recognitions(s.db, validity_years, [level1("STC", "Sở Tài chính", 2024, date(2025, 2, 10))],
                       "2025-03-01T00:00:00")
    s.dossier("SNV", 1, date(year + 1, 1, 10))
    result = s.run()
    stc = next(i for i, u in enumerate(result.resolution.units) if u.unit.code == "STC")
    assert result.resolution.units[stc].status == status
    assert result.standings[stc].coverage == (Coverage.COVERED if year == 2025 else Coverage.RENEWAL_DUE)
    assert next(u.status for u in result.resolution.units if u.unit.code == "SXD") == Status.MISSING


def test_a_covered_unit_that_asks_to_go_up_a_level_is_judged(tmp_path):
    s = Season(tmp_path)
    store_recognitions(s.db, validity_years, [level1("STC", "Sở Tài chính", 2024, date(2024, 12, 20))],
                       "2025-03-01T00:00:00")
    s.dossier("STC", 2, date(2026, 1, 10))
    assert by_code(s.run())["STC"] == (Status.VALID, 2, [])


# ---- runs recorded; recognitions granted ------------------------------------------------------

def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_every_run_is_recorded_with_its_files_and_results(tmp_path):
    s = Season(tmp_path)
    s.dossier("SNV", 1, date(2026, 1, 10))
    first = s.run()
    s.dossier("STC", 1, date(2026, 1, 11))
    s.run()
    con = sqlite3.connect(s.db)
    assert con.execute("SELECT id, year, rubric, files, units, valid, missing FROM runs").fetchall() == [
        (1, 2025, "tt24-2023", 1, 3, 1, 2), (2, 2025, "tt24-2023", 2, 3, 2, 1)]
    assert con.execute("SELECT path, first_run, last_run, last_outcome FROM files ORDER BY path").fetchall() == [
        ("SNV.xlsx", 1, 2, "used"), ("STC.xlsx", 2, 2, "used")]
    assert con.execute("SELECT unit_code, status, final_result, final_rank FROM unit_results WHERE run_id = 2 "
                       "ORDER BY unit_code").fetchall() == [
        ("SNV", "valid", "Mức độ 1", 1), ("STC", "valid", "Mức độ 1", 1), ("SXD", "missing", "Chưa nộp hồ sơ", None)]
    con.close()
    view = load_view(s.db, validity_years, 2025, "tt24-2023")
    assert view.previous is not None and view.previous.units == {"snv": "valid", "stc": "valid", "sxd": "missing"}
    assert first.register is not None and first.register.previous is None


def test_register_record_grants_the_recommended_list_less_the_units_left_out(tmp_path):
    s = Season(tmp_path)
    s.dossier("SNV", 1, date(2026, 1, 10))
    s.dossier("STC", 1, date(2026, 1, 10))
    s.run()
    out = str(tmp_path / "out")
    code, printed, err = run_cli("register", "record", "--year", "2025", "--decision", "123/QĐ-UBND",
                                 "--date", "10/02/2026", "--except", "STC", "--out", out)
    assert (code, err) == (0, "")
    assert printed == ("Đã ghi quyết định 123/QĐ-UBND ngày 10/02/2026: 1 đơn vị được công nhận năm 2025; "
                       "không công nhận: STC\n")
    assert load_view(s.db, validity_years, 2026, "tt24-2023").recognitions == {"snv": (
        Recognition("SNV", "Sở Nội vụ", 2025, "tt24-2023", 1, "", "123/QĐ-UBND", date(2026, 2, 10), 2028,
                    "record"),)}
    # again: nothing new, nothing doubled
    code, printed, _ = run_cli("register", "record", "--year", "2025", "--decision", "123/QĐ-UBND",
                               "--date", "10/02/2026", "--except", "STC", "--out", out)
    assert code == 0 and "0 đơn vị được công nhận năm 2025, 1 đã ghi từ trước" in printed
    # another decision for the same unit and year is refused, naming both
    code, _, err = run_cli("register", "record", "--year", "2025", "--decision", "200/QĐ-UBND",
                           "--date", "12/02/2026", "--out", out)
    assert code == 2 and err.count("\n") == 1
    assert "SNV năm 2025: cơ sở dữ liệu đã ghi mức độ 1, quyết định 123/QĐ-UBND ngày 10/02/2026" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--except", "XYZ"], "--except: XYZ không có trong danh sách đề nghị công nhận năm 2025"),
    (["--date", "20/12/2025"], "ngày quyết định 20/12/2025 không sau năm đánh giá 2025"),
])
def test_register_record_refuses_in_one_line(tmp_path, argv, message):
    s = Season(tmp_path)
    s.dossier("SNV", 1, date(2026, 1, 10))
    s.run()
    args = {"--decision": "123/QĐ-UBND", "--date": "10/02/2026"}
    for flag, value in zip(argv[::2], argv[1::2], strict=True):
        args[flag] = value
    flat = [x for pair in args.items() for x in pair if pair[0] != "--except"]
    if "--except" in args:
        flat += ["--except", args["--except"]]
    code, _, err = run_cli("register", "record", "--year", "2025", *flat, "--out", str(tmp_path / "out"))
    assert code == 2 and err.count("\n") == 1 and message in err


def test_register_record_needs_a_run_of_the_season(tmp_path):
    s = Season(tmp_path)
    s.dossier("SNV", 1, date(2026, 1, 10))
    s.run()
    code, _, err = run_cli("register", "record", "--year", "2024", "--decision", "1/QĐ-UBND", "--date",
                           "10/02/2025", "--out", str(tmp_path / "out"))
    assert code == 2 and "chưa có lần chạy tổng hợp nào của năm 2024" in err


# ---- review: a register that cannot be written, a name two units share ----------------------------

@pytest.mark.parametrize("locked", ["file", "folder"])
def test_a_register_that_cannot_be_written_stops_the_run_before_it_publishes(shared_dir, locked):
    """As an unprivileged user: a read-only register (or one in a read-only folder, where its
    journal cannot be made) is said to be read-only, not "not ours", and before any output."""
    inbox, out, place = shared_dir / "ho_so", shared_dir / "kq", shared_dir / "du_lieu"
    inbox.mkdir()
    place.mkdir()
    db = place / "dvht.sqlite"
    with open_register(db, validity_years):
        pass
    before = db.read_bytes()
    give_to_nobody(shared_dir)
    if locked == "file":
        db.chmod(0o444)
    else:
        place.chmod(0o555)
    done = as_nobody("process", str(inbox), "--year", "2025", "--out", str(out), "--db", str(db))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    expected = (f"Lỗi: Không ghi được cơ sở dữ liệu {db}: tệp chỉ đọc" if locked == "file"
                else f"Lỗi: Không ghi được cơ sở dữ liệu {db}: không có quyền ghi vào thư mục {place}")
    assert done.stderr.startswith(expected), done.stderr
    assert not out.exists() or not (out / "TongHop_DVHT_2025.xlsx").exists()
    assert db.read_bytes() == before


def test_a_read_only_register_is_not_called_someone_elses(shared_dir):
    """The store's own message, when the register turns read-only between the check and the write."""
    db = shared_dir / "dvht.sqlite"
    with open_register(db, validity_years):
        pass
    give_to_nobody(shared_dir)
    db.chmod(0o444)
    script = ("import sys; from datetime import date; from processor.register.store import store_recognitions; "
              "from processor.pipeline import validity_years; from processor.model.register import Recognition; "
              "from processor.register.db import RegisterError\n"
              "try:\n"
              f" store_recognitions(__import__('pathlib').Path({str(db)!r}), validity_years, [Recognition('SNV', "
              "'Sở Nội vụ', 2024, 'tt24-2023', 1, '', '1/QĐ-UBND', date(2025, 2, 1), 2027, 'import')], 'x')\n"
              "except RegisterError as e: print(e)\n")
    done = subprocess.run([*NOBODY, sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"})
    assert done.stdout == (f"Không ghi được cơ sở dữ liệu {db}: tệp chỉ đọc; hãy cho phép ghi vào tệp hoặc chọn tệp "
                           "khác bằng --db.\n"), done.stderr


def test_a_name_only_recognition_is_not_credited_to_two_units_of_that_name(tmp_path):
    """Two schools of one name in two communes: a recognition that names neither code is
    neither's; the unit alone with its name still gets it."""
    s = Season(tmp_path)
    units = (Unit("TH1", "Trường Tiểu học Kim Đồng", kind=OFFICE), Unit("TH2", "Trường Tiểu học Kim Đồng",
                                                                          kind=OFFICE),
             Unit("TH3", "Trường Tiểu học Lê Lợi", kind=OFFICE))
    store_recognitions(s.db, validity_years, [level1("", "Trường Tiểu học Kim Đồng", 2024, date(2025, 2, 10)),
                                              level1("", "Trường Tiểu học Lê Lợi", 2024, date(2025, 2, 10))],
                       "2025-03-01T00:00:00")
    s.inbox.mkdir(exist_ok=True)
    options = BatchOptions(input_dir=s.inbox, out_dir=tmp_path / "out", year=2025, rubric=RUBRIC, roster=units,
                           workers=1, today=date(2026, 1, 20), tier="tinh", deadline=date(2026, 1, 14))
    result = run_batch(options)
    assert [(u.unit.code, u.status, len(result.standings[i].history))
            for i, u in enumerate(result.resolution.units)] == [
        ("TH1", Status.MISSING, 0), ("TH2", Status.MISSING, 0), ("TH3", Status.COVERED, 1)]


def test_register_record_says_which_decision_conflicts_not_a_file(tmp_path):
    s = Season(tmp_path)
    s.dossier("SNV", 1, date(2026, 1, 10))
    s.run()
    out = str(tmp_path / "out")
    assert run_cli("register", "record", "--year", "2025", "--decision", "123/QĐ-UBND", "--date", "10/02/2026",
                   "--out", out)[0] == 0
    code, _, err = run_cli("register", "record", "--year", "2025", "--decision", "200/QĐ-UBND",
                           "--date", "12/02/2026", "--out", out)
    assert code == 2 and err == (
        "Lỗi: không ghi gì vì 1 quyết định khác với cơ sở dữ liệu: SNV năm 2025: cơ sở dữ liệu đã ghi mức độ 1, "
        "quyết định 123/QĐ-UBND ngày 10/02/2026, lệnh này ghi mức độ 1, quyết định 200/QĐ-UBND ngày 12/02/2026\n")
