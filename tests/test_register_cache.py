"""Issue 17: a re-run does not parse an unchanged file again. The register keeps each file's
record by the SHA-256 of its bytes and the run's context; a record taken from it is exactly what a
cold parse gives, and anything it cannot vouch for (changed bytes, another tool or rubric or
format, a damaged or crafted row) is parsed again."""

from __future__ import annotations

import ast
import json
import pickle
import sqlite3
import zlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import xlsxwriter

import processor
import processor.register.parsed as parsed
from processor.intake import pool
from processor.model.batch import BatchOptions, BatchResult, CheckContext
from processor.model.records import FileResult, FoundFile, Unit
from processor.model.rubric import load_rubric
from processor.pipeline import keep_parsed, run_batch, validity_years
from processor.register.db import MIGRATIONS, SCHEMA_VERSION, open_register
from processor.report.publish import publish
from tests.test_batch import sheet_rows

RUBRIC = load_rubric("tt22-2020")
ROSTER = (Unit("SNV", "Sở Nội vụ", "Sở"), Unit("STC", "Sở Tài chính", "Sở"))
TODAY = date(2026, 1, 20)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
INTAKE = Path(__file__).resolve().parent.parent / "processor" / "intake"


def run(opts: BatchOptions, **kwargs) -> BatchResult:  # type: ignore[no-untyped-def]
    """run_batch, then its parsed records kept as `process` keeps them once it has published."""
    result = run_batch(opts, **kwargs)
    return replace(result, notes=(*result.notes, *keep_parsed(result)))


def exploding(found: FoundFile, ctx: CheckContext) -> FileResult:
    """A per-file step that must not be called: a file it parses says so in its record."""
    raise RuntimeError("parsed")


def was_parsed(result: FileResult) -> bool:
    return any(i.code == "file-unreadable" and "RuntimeError" in i.message for i in result.issues)


@pytest.fixture
def inbox(make_submission, tmp_path) -> Path:
    """A valid file, a file with errors, a workbook that is not our template, a file that is not a workbook."""
    folder = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=folder)
    make_submission("STC.xlsx", folder=folder / "lan 2", ma_don_vi="STC", ten_don_vi="Sở Tài chính",
                    scores={"1a": 99, "2d": None, "3c": "mười"}, evidence={"1b": ""}, ngay_bao_cao="")
    foreign = xlsxwriter.Workbook(str(folder / "bang_tinh_khac.xlsx"))
    foreign.add_worksheet().write(0, 0, "x")
    foreign.close()
    (folder / "hong.xlsx").write_bytes(b"not a workbook")
    return folder


def options(folder: Path, out: Path, db: Path, workers: int = 1, **changes) -> BatchOptions:
    base = BatchOptions(input_dir=folder, out_dir=out, year=2025, rubric=RUBRIC, roster=ROSTER,
                        deadline=date(2026, 3, 31), workers=workers, today=TODAY, register_path=db)
    return replace(base, **changes)


def outputs(result: BatchResult) -> tuple[dict, dict]:
    published = publish(result)
    rows = {sheet: [r for r in sheet_rows(published.workbook, sheet) if r[:1] != ("Thời điểm chạy",)]
            for sheet in ("Tổng hợp", "Tệp đã nhận", "Thông tin")}
    pages = {p.name: p.read_bytes() for p in published.index.parent.iterdir()}
    return rows, pages


def test_a_re_run_parses_no_unchanged_file_and_gives_the_same_outputs(inbox, tmp_path):
    db = tmp_path / "dvht.sqlite"
    cold = run(options(inbox, tmp_path / "a", db))
    assert cold.reused == 0 and db.exists()
    warm = run(options(inbox, tmp_path / "b", db), step=exploding)
    assert warm.reused == 4
    assert not any(was_parsed(f) for f in warm.resolution.files)
    assert warm.resolution.files == cold.resolution.files
    assert warm.resolution.units == cold.resolution.units
    two = run(options(inbox, tmp_path / "c", db, workers=2), step=exploding)
    assert two.reused == 4
    assert outputs(warm) == outputs(cold) == outputs(two)


def test_a_cached_record_equals_the_cold_parse_field_by_field(inbox, tmp_path):
    """The valid file, the one with errors, the foreign workbook and the broken file alike,
    types included (a score read as an integer stays one)."""
    db = tmp_path / "dvht.sqlite"
    cold = run(options(inbox, tmp_path / "a", db))
    warm = run(options(inbox, tmp_path / "b", db), step=exploding)
    codes = {f.rel: sorted({i.code for i in f.issues}) for f in cold.resolution.files}
    assert codes["hong.xlsx"] == ["file-unreadable"] and codes["bang_tinh_khac.xlsx"] == ["not-our-template"]
    assert "score-above-max" in codes["lan 2/STC.xlsx"] and codes["SNV.xlsx"] == []
    for a, b in zip(cold.resolution.files, warm.resolution.files, strict=True):
        # every field of the record's value (`packed` is how the register keeps it, not part of it)
        for name in (n for n, f in FileResult.__dataclass_fields__.items() if f.compare):
            assert getattr(a, name) == getattr(b, name), (a.rel, name)
            assert type(getattr(a, name)) is type(getattr(b, name)), (a.rel, name)
        assert [(k, type(v)) for k, v in a.scores.items()] == [(k, type(v)) for k, v in b.scores.items()]


def test_a_changed_byte_is_parsed_again(inbox, tmp_path):
    db = tmp_path / "dvht.sqlite"
    run(options(inbox, tmp_path / "a", db))
    changed = inbox / "hong.xlsx"
    changed.write_bytes(b"not a workbook!")
    warm = run(options(inbox, tmp_path / "b", db), step=exploding)
    assert warm.reused == 3
    assert [f.rel for f in warm.resolution.files if was_parsed(f)] == ["hong.xlsx"]
    again = run(options(inbox, tmp_path / "c", db))
    assert again.reused == 3
    fresh = run(options(inbox, tmp_path / "d", tmp_path / "other.sqlite"))
    assert again.resolution.files == fresh.resolution.files


def test_a_renamed_file_is_found_under_its_new_path(inbox, tmp_path):
    db = tmp_path / "dvht.sqlite"
    run(options(inbox, tmp_path / "a", db))
    (inbox / "SNV.xlsx").rename(inbox / "So Noi vu.xlsx")
    warm = run(options(inbox, tmp_path / "b", db), step=exploding)
    cold = run(options(inbox, tmp_path / "c", tmp_path / "fresh.sqlite"))
    assert warm.reused == 4
    assert warm.resolution.files == cold.resolution.files


@pytest.mark.parametrize("change", ["tool version", "code", "rubric version", "template format", "year",
                                    "deadline", "limits", "tier"])
def test_another_tool_rubric_format_or_season_is_a_miss(inbox, tmp_path, monkeypatch, change):
    db = tmp_path / "dvht.sqlite"
    run(options(inbox, tmp_path / "a", db))
    changes: dict = {}
    if change == "tool version":
        monkeypatch.setattr(processor, "__version__", "99.0")
    elif change == "code":
        monkeypatch.setattr(parsed, "code_fingerprint", lambda: "another build")
    elif change == "rubric version":
        changes["rubric"] = replace(RUBRIC, version=RUBRIC.version + "-sửa")
    elif change == "template format":
        monkeypatch.setattr(parsed, "known_format_versions", lambda: ("v1", "v2", "v99"))
    elif change == "year":
        changes["year"] = 2026
    elif change == "deadline":
        changes["deadline"] = date(2026, 2, 28)
    elif change == "limits":
        changes["limits"] = replace(BatchOptions(Path(), Path(), 2025, RUBRIC).limits, max_seconds=31)
    else:
        changes["tier"] = "huyen"
    warm = run(options(inbox, tmp_path / "b", db, **changes), step=exploding)
    assert warm.reused == 0
    assert all(was_parsed(f) for f in warm.resolution.files)


class _Planted:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (PLANTED,))


PLANTED = Path("/tmp/dvht-cache-test-unpickled")


def _json_row(data) -> bytes:  # type: ignore[no-untyped-def]
    return zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"))


@pytest.mark.parametrize("corrupt", ["garbage", "pickle", "not zlib json", "wrong format tag", "wrong types",
                                     "text instead of blob", "bomb", "trailing bytes", "bad date",
                                     "a number among the evidence texts"])
def test_a_corrupt_cache_row_is_a_miss_and_the_result_is_right(inbox, tmp_path, corrupt):
    db = tmp_path / "dvht.sqlite"
    cold = run(options(inbox, tmp_path / "a", db))
    broken = next(f for f in cold.resolution.files if f.rel == "lan 2/STC.xlsx")
    with sqlite3.connect(db) as con:
        (record,) = con.execute("SELECT record FROM parsed_files WHERE sha256 = ?", (broken.sha256,)).fetchone()
        data = json.loads(zlib.decompress(record))
        value: object
        if corrupt == "garbage":
            value = b"\x00\x01garbage"
        elif corrupt == "pickle":
            value = pickle.dumps(_Planted())
        elif corrupt == "not zlib json":
            value = zlib.compress(b"{not json")
        elif corrupt == "wrong format tag":
            value = _json_row(["dvht-parsed-0", *data[1:]])
        elif corrupt == "wrong types":
            value = _json_row([*data[:1], str(data[1]), *data[2:]])
        elif corrupt == "text instead of blob":
            value = zlib.decompress(record).decode("utf-8")
        elif corrupt == "bomb":
            value = zlib.compress(b"[" + b" " * (16 * 1024 * 1024) + b"]", 9)
        elif corrupt == "bad date":
            data[4] = "2026-13-45"
            value = _json_row(data)
        elif corrupt == "a number among the evidence texts":
            data[6] = {**data[6], "1a": 7.5}
            value = _json_row(data)
        else:
            value = record + b"trailing"
        con.execute("UPDATE parsed_files SET record = ? WHERE sha256 = ?", (value, broken.sha256))
    warm = run(options(inbox, tmp_path / "b", db))
    assert warm.reused == 3
    assert warm.resolution.files == cold.resolution.files
    assert not PLANTED.exists()
    assert warm.notes == ()
    again = run(options(inbox, tmp_path / "c", db), step=exploding)  # the row was stored again
    assert again.reused == 4 and again.resolution.files == cold.resolution.files


@pytest.mark.parametrize("field, value", [("identity", {1: "Trường A"}), ("evidence", {"1a": 7.5}),
                                          ("scores", {"1a": "7,5"}), ("narrative", {("a", "b"): "x"})])
def test_a_record_that_json_would_not_give_back_as_it_was_is_not_kept(field, value):
    """JSON gives every key back as text: a record with any other key, or a value of another
    type than its field's, is not stored (a re-run decoding it would not get it back)."""
    record = FileResult(rel="a.xlsx", size=10, sha256="ab" * 32, mtime=0.0, identity={"ten_don_vi": "Trường A"},
                        scores={"1a": 7.5}, evidence={"1a": "Quyết định"}, narrative={"ket_qua": "Tốt"})
    assert parsed.encode_record(record) is not None
    assert parsed.encode_record(replace(record, **{field: value})) is None


def test_a_record_is_reused_another_day_only_when_the_day_changes_nothing(make_submission, tmp_path):
    """The run date matters to one rule only (a report date after it is unusual, and says so)."""
    folder = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=folder, ngay_bao_cao="15/01/2026")
    make_submission("STC.xlsx", folder=folder, ma_don_vi="STC", ten_don_vi="Sở Tài chính", ngay_bao_cao="22/01/2026")
    db = tmp_path / "dvht.sqlite"
    run(options(folder, tmp_path / "a", db))  # on the 20th: the 22nd is a date in the future
    for day, out in ((TODAY + timedelta(days=5), "b"), (TODAY - timedelta(days=7), "c")):
        later = run(options(folder, tmp_path / out, db, today=day))
        cold = run(options(folder, tmp_path / (out + "_cold"), tmp_path / f"{out}.sqlite", today=day))
        assert later.resolution.files == cold.resolution.files
        assert later.reused == (1 if day > TODAY else 0), day
    codes = {f.rel: [i.code for i in f.issues] for f in later.resolution.files}
    assert codes == {"SNV.xlsx": ["date-unusual"], "STC.xlsx": ["date-unusual"]}


def test_the_run_date_is_read_by_the_report_date_rule_alone():
    """same_findings_on is right only while check_report_date is the one rule that reads today."""
    readers = set()
    for path in INTAKE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            if any(isinstance(n, ast.Attribute) and n.attr == "today" for n in ast.walk(func)):
                readers.add((path.name, func.name))
    per_file_step = {"checks.py", "level_checks.py", "fields.py", "read.py", "guards.py", "step.py",
                     "submission.py", "pool.py"}
    assert {r for r in readers if r[0] in per_file_step} == {("checks.py", "check_report_date")}


def test_a_register_that_cannot_keep_the_records_costs_speed_not_the_run(inbox, tmp_path, monkeypatch):
    from processor import pipeline
    from processor.register.db import RegisterError

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RegisterError("Không ghi được cơ sở dữ liệu x: ổ đĩa đã đầy.")

    reference = run(options(inbox, tmp_path / "a", tmp_path / "ref.sqlite"))
    monkeypatch.setattr(pipeline, "store_parsed", refuse)
    result = run(options(inbox, tmp_path / "b", tmp_path / "dvht.sqlite"))
    assert result.resolution.files == reference.resolution.files
    assert result.notes == ("Cảnh báo: không lưu được kết quả đọc tệp vào cơ sở dữ liệu (Không ghi được cơ sở dữ liệu "
                            "x: ổ đĩa đã đầy); lần chạy sau sẽ đọc lại các tệp này.",)


def test_old_rows_are_pruned_and_the_table_is_capped(tmp_path, monkeypatch):
    db = tmp_path / "dvht.sqlite"
    day = date(2026, 1, 20)
    parsed.store_parsed(db, validity_years, "ctx", day - timedelta(days=parsed.PRUNE_AFTER_DAYS + 1),
                        [("old", b"x")], [])
    parsed.store_parsed(db, validity_years, "ctx", day - timedelta(days=10), [("a", b"x"), ("b", b"x")], [])
    monkeypatch.setattr(parsed, "MAX_ROWS", 2)
    parsed.store_parsed(db, validity_years, "ctx", day, [("c", b"x")], ["b"])
    with open_register(db, validity_years) as con:
        assert sorted(r[0] for r in con.execute("SELECT sha256 FROM parsed_files")) == ["b", "c"]


def test_a_register_at_version_3_is_migrated_to_4_keeping_its_data(inbox, tmp_path):
    path = tmp_path / "dvht.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript((FIXTURES / "register_v1.sql").read_text(encoding="utf-8"))
    for step in MIGRATIONS[1:3]:
        step(con, validity_years)
    con.execute("PRAGMA user_version = 3")
    con.execute("INSERT INTO arrivals (path, sha256, sender, received, subject, message_id, source, saved_at) "
                "VALUES ('SNV.xlsx', 'abc', 'snv@example.invalid', NULL, 'Phiếu', '<1@x>', 'imap', '2025-01-01')")
    con.close()
    assert SCHEMA_VERSION == 4
    cold = run(options(inbox, tmp_path / "a", path))
    with open_register(path, validity_years) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 4
        assert con.execute("SELECT path, last_outcome FROM files").fetchall() == [("SNV.xlsx", "used")]
        assert con.execute("SELECT sender FROM arrivals").fetchall() == [("snv@example.invalid",)]
        assert con.execute("SELECT count(*) FROM parsed_files").fetchone()[0] == 4
    warm = run(options(inbox, tmp_path / "b", path), step=exploding)
    assert warm.reused == 4 and warm.resolution.files == cold.resolution.files


def test_the_pool_is_not_started_when_every_file_is_reused(inbox, tmp_path, monkeypatch):
    db = tmp_path / "dvht.sqlite"
    run(options(inbox, tmp_path / "a", db))
    monkeypatch.setattr(pool, "ProcessPoolExecutor", None)  # would fail if used
    seen = []
    result = run(options(inbox, tmp_path / "b", db), progress=lambda done, total: seen.append((done, total)))
    assert result.reused == 4 and seen[-1] == (4, 4)


def test_a_re_run_puts_each_record_back_at_its_own_file_across_slices(inbox, tmp_path, monkeypatch):
    """The helper processes hash and look up a slice of files each: one file a slice here, so a
    record put at another file's place would show."""
    import processor.pipeline as pipeline

    db = tmp_path / "dvht.sqlite"
    cold = run(options(inbox, tmp_path / "a", db))
    monkeypatch.setattr(pipeline, "REUSE_SLICE", 1)
    for workers in (1, 3):
        warm = run(options(inbox, tmp_path / f"b{workers}", db, workers=workers), step=exploding)
        assert warm.reused == 4 and warm.notes == ()
        assert warm.resolution.files == cold.resolution.files


def _dying_fetch(*args: object) -> object:
    import os

    os._exit(3)  # as a process the OS killed


def test_a_helper_process_that_dies_costs_the_re_run_its_speed_not_its_result(inbox, tmp_path, monkeypatch):
    import processor.pipeline as pipeline

    db = tmp_path / "dvht.sqlite"
    cold = run(options(inbox, tmp_path / "a", db))
    monkeypatch.setattr(pipeline, "_fetch_rows", _dying_fetch)
    warm = run(options(inbox, tmp_path / "b", db))
    assert warm.reused == 0
    assert warm.resolution.files == cold.resolution.files
    assert warm.notes == ("Cảnh báo: không dùng được kết quả đọc tệp đã lưu (một tiến trình phụ dừng đột ngột); "
                          "đã đọc lại mọi tệp.",)


def test_the_worker_encodes_each_record_as_the_parent_would(inbox, tmp_path):
    """parse_and_pack encodes in the worker; keep_parsed stores those bytes as they are."""
    db = tmp_path / "dvht.sqlite"
    cold = run(options(inbox, tmp_path / "a", db, workers=2))
    assert [r.packed for r in cold.parsed] == [parsed.encode_record(r) for r in cold.parsed]
    assert sum(r.packed is not None for r in cold.parsed) == 4
    with sqlite3.connect(db) as con:
        stored = dict(con.execute("SELECT sha256, record FROM parsed_files"))
    assert stored == {r.sha256: r.packed for r in cold.parsed}


def test_a_re_run_starts_no_more_helpers_than_cores_whatever_workers_says(inbox, tmp_path, monkeypatch):
    """--workers is unbounded; hashing gains nothing beyond the cores, and Windows refuses more
    than 61 processes in a pool (a ValueError would have stopped the batch)."""
    import concurrent.futures
    import os

    import processor.pipeline as pipeline

    db = tmp_path / "dvht.sqlite"
    run(options(inbox, tmp_path / "a", db))
    started: list[int] = []

    class Counting(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, max_workers: int, **kwargs) -> None:  # type: ignore[no-untyped-def]
            started.append(max_workers)
            super().__init__(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", Counting)
    monkeypatch.setattr(pipeline, "REUSE_SLICE", 1)  # four slices: four helpers if uncapped
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    warm = run(options(inbox, tmp_path / "b", db, workers=1000), step=exploding)
    assert warm.reused == 4 and started == [2]
