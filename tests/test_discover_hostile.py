"""Odd folders and odd file names: every file keeps its own row, nothing is lost silently,
and no name can stop the batch or garble a report (issue 9, items 6, 7, 10, 11, 15, 17)."""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from processor.cli import main
from processor.intake.discover import discover
from processor.intake.read import read_file
from processor.model.batch import BatchOptions
from processor.model.records import FoundFile
from processor.model.rubric import load_rubric
from processor.pipeline import run_batch
from processor.report.publish import Published, publish
from processor.text import normalise as textnorm
from tests.conftest import TT22_2025, list_rows

REPO = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric()
NOBODY = 65534


def _run(inbox: Path, out: Path) -> Published:
    options = BatchOptions(input_dir=inbox, out_dir=out, year=2025, rubric=RUBRIC, deadline=date(2026, 3, 31),
                           workers=1)
    return publish(run_batch(options))


def _sheet(workbook: Path, name: str) -> list[tuple]:
    return list_rows(workbook, name)[1:]


def _file_rows(workbook: Path) -> list[tuple]:
    """(file, unit, outcome, note) of every row of "Tệp đã nhận"."""
    return [(r[0], r[3], r[4], r[5]) for r in _sheet(workbook, "Tệp đã nhận")]


def _pages(published: Published) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(published.index.parent.glob("*.html")))


def _error_score() -> dict[str, float]:
    leaf = RUBRIC.leaves[0]
    return {leaf.id: leaf.max + 5}


# ---- item 7: one file, one identity ------------------------------------------------------

def test_names_differing_only_in_spacing_stay_two_files(make_submission, tmp_path):
    inbox = tmp_path / "hs"
    make_submission("Bao cao.xlsx", folder=inbox, ma_don_vi="A01", ten_don_vi="Đơn vị A")
    make_submission("Bao  cao.xlsx", folder=inbox, ma_don_vi="B01", ten_don_vi="Đơn vị B", scores=_error_score())
    published = _run(inbox, tmp_path / "out")
    assert [r[:3] for r in _file_rows(published.workbook)] == [
        ("Bao  cao.xlsx", "B01", "Cần sửa"),
        ("Bao cao.xlsx", "A01", "Đã dùng"),
    ]
    issues = _sheet(published.workbook, "Lỗi và cảnh báo")
    assert issues and {(r[0], r[1]) for r in issues} == {("Bao  cao.xlsx", "B01 Đơn vị B")}
    by_code = {u.code: u for u in published.summary.units}
    assert (by_code["A01"].file, by_code["A01"].status) == ("Bao cao.xlsx", "valid")
    assert (by_code["B01"].file, by_code["B01"].status) == ("Bao  cao.xlsx", "to_fix")


def test_nfc_and_nfd_spellings_of_a_name_stay_two_files(make_submission, tmp_path):
    inbox = tmp_path / "hs"
    composed = unicodedata.normalize("NFC", "Báo cáo.xlsx")
    decomposed = unicodedata.normalize("NFD", composed)
    make_submission(composed, folder=inbox, ma_don_vi="A01", ten_don_vi="Đơn vị A")
    make_submission(decomposed, folder=inbox, ma_don_vi="B01", ten_don_vi="Đơn vị B", scores=_error_score())
    result = run_batch(BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=RUBRIC, workers=1))
    assert sorted(f.rel for f in result.found) == sorted([composed, decomposed])
    assert result.resolution.unit_of_file == {composed: "A01", decomposed: "B01"}
    assert result.resolution.outcome == {composed: "used", decomposed: "needs_fix"}
    published = publish(result)
    assert sorted(r[1:3] for r in _file_rows(published.workbook)) == [("A01", "Đã dùng"), ("B01", "Cần sửa")]


def test_a_newline_in_a_file_name_is_shown_escaped_everywhere(make_submission, tmp_path):
    inbox = tmp_path / "hs"
    make_submission("Bao\ncao.xlsx", folder=inbox)
    published = _run(inbox, tmp_path / "out")
    assert _file_rows(published.workbook) == [("Bao\\ncao.xlsx", "SNV", "Đã dùng", None)]
    assert [r[-2] for r in _sheet(published.workbook, "Tổng hợp")] == ["Bao\\ncao.xlsx"]
    assert "Bao\\ncao.xlsx" in _pages(published)
    log = published.log.read_text(encoding="utf-8")
    assert "  [Đã dùng] Bao\\ncao.xlsx" in log.splitlines()


# ---- item 10: bytes that are not UTF-8 --------------------------------------------------

def _copy_as_bytes_name(source: Path, inbox: Path, name: bytes) -> None:
    """A copy of source under a file name that is not UTF-8, as a zip from Windows leaves it."""
    inbox.mkdir(exist_ok=True)
    fd = os.open(bytes(inbox) + b"/" + name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(source.read_bytes())


def _process_ok(inbox: Path, out: Path) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["process", str(inbox), "--out", str(out), *TT22_2025, "--workers", "1"], stdout, stderr)
    assert (code, stderr.getvalue()) == (0, "")


def test_a_file_name_with_invalid_utf8_is_one_row_and_still_read(make_submission, tmp_path):
    source = make_submission("tam.xlsx", folder=tmp_path / "nguon")
    inbox = tmp_path / "hs"
    _copy_as_bytes_name(source, inbox, b"b\xe1o c\xe1o \xff.xlsx")
    out = tmp_path / "out"
    _process_ok(inbox, out)
    workbook = out / "TongHop_DVHT_2025.xlsx"
    shown = "b\\xe1o c\\xe1o \\xff.xlsx"
    assert _file_rows(workbook) == [(shown, "SNV", "Đã dùng", None)]
    assert [r[-2] for r in _sheet(workbook, "Tổng hợp")] == [shown]
    pages = "".join(p.read_text(encoding="utf-8") for p in (out / "html").glob("*.html"))
    assert shown in pages
    assert f"  [Đã dùng] {shown}" in (out / "TongHop_DVHT_2025.log").read_text(encoding="utf-8").splitlines()


# ---- item 15: not a regular file --------------------------------------------------------

def test_a_named_pipe_or_socket_is_reported_as_not_a_regular_file(make_submission, tmp_path, monkeypatch):
    inbox = tmp_path / "hs"
    make_submission("dv.xlsx", folder=inbox)
    os.mkfifo(inbox / "ong.xlsx")
    monkeypatch.chdir(inbox)  # a socket path must be short
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("o_cam.xlsx")
        published = _run(inbox, tmp_path / "out")
    assert _file_rows(published.workbook) == [
        ("dv.xlsx", "SNV", "Đã dùng", None),
        ("o_cam.xlsx", None, "Không đọc được",
         "không phải tệp thông thường mà là một socket; không mở. Hãy gửi lại tệp Excel"),
        ("ong.xlsx", None, "Không đọc được",
         "không phải tệp thông thường mà là một ống dẫn có tên (named pipe); không mở. Hãy gửi lại tệp Excel"),
    ]


def test_the_reader_never_blocks_on_a_pipe_that_discover_saw_as_a_file(tmp_path):
    """Swapped between discover and read: the open does not wait for a writer, the pipe is refused."""
    pipe = tmp_path / "ong.xlsx"
    os.mkfifo(pipe)

    def blocked(_signum: int, _frame: object) -> None:
        raise AssertionError("read_file waited for a writer on a named pipe")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(60)  # a guard so that a regression fails instead of hanging the suite
    try:
        raw = read_file(FoundFile(str(pipe), "ong.xlsx", 1000, 0.0), RUBRIC)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert (raw.refusal.code, raw.refusal.file) == ("file-unreadable", "ong.xlsx")
    assert "không phải tệp thông thường" in raw.refusal.message


# ---- item 11: a path longer than the OS allows ------------------------------------------

def _deep_folders(top: Path, depth: int, width: int) -> list[str]:
    """depth nested folders of width bytes each, made relative to an open folder (the full
    path would be refused), with a copy of the workbook at the bottom."""
    names = [f"{i:02d}" + "a" * (width - 2) for i in range(depth)]
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in names:
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        out = os.open("sau.xlsx", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.close(out)
    finally:
        os.close(fd)
    return names


def test_a_path_longer_than_the_os_allows_is_one_row_and_the_batch_finishes(make_submission, tmp_path):
    inbox = tmp_path / "hs"
    make_submission("dv.xlsx", folder=inbox)
    names = _deep_folders(inbox, 20, 220)
    published = _run(inbox, tmp_path / "out")
    rows = _file_rows(published.workbook)
    assert rows[-1] == ("dv.xlsx", "SNV", "Đã dùng", None)
    (deep,) = rows[:-1]
    assert deep[1:] == (None, "Không đọc được", "đường dẫn dài quá giới hạn của hệ điều hành; "
                        "hãy chuyển tệp lên thư mục có đường dẫn ngắn hơn rồi chạy lại")
    assert "/".join(names).startswith(deep[0]) and len(deep[0]) > 4000
    shutil.rmtree(inbox)  # pytest's own clean-up would stumble on the long path


# ---- item 6: a folder the program may not list (as an ordinary user) ---------------------

@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder the unprivileged user can use: pytest's tmp_path is private to root."""
    base = Path(tempfile.mkdtemp(prefix="dvht-nobody-"))
    os.chown(base, NOBODY, NOBODY)
    try:
        yield base
    finally:
        for root, dirs, _ in os.walk(base):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        shutil.rmtree(base)


def test_a_folder_that_cannot_be_listed_is_a_row_and_a_warning(make_submission, shared_dir):
    inbox = shared_dir / "hs"
    make_submission("dv.xlsx", folder=inbox / "mo")
    make_submission("khac.xlsx", folder=inbox / "khoa", ma_don_vi="K01", ten_don_vi="Đơn vị K")
    for path in (inbox, inbox / "mo"):
        path.chmod(0o755)
    (inbox / "mo" / "dv.xlsx").chmod(0o644)
    (inbox / "khoa").chmod(0)
    out = shared_dir / "out"
    cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
           sys.executable, "run.py", "process", str(inbox), "--out", str(out), *TT22_2025, "--workers", "1"]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert (run.returncode, run.stderr) == (0, "")
    reason = "không có quyền đọc thư mục; hãy cấp quyền đọc cho người chạy phần mềm rồi chạy lại"
    assert _file_rows(out / "TongHop_DVHT_2025.xlsx") == [
        ("khoa", None, "Không đọc được", reason),
        ("mo/dv.xlsx", "SNV", "Đã dùng", None),
    ]
    warning = f"Cảnh báo: không đọc được thư mục khoa: {reason}"
    assert warning in run.stdout.splitlines()
    assert warning in (out / "TongHop_DVHT_2025.log").read_text(encoding="utf-8").splitlines()


# ---- item 17: bidi controls --------------------------------------------------------------

def test_bidi_controls_are_stripped_from_text_and_shown_in_file_names(make_submission, tmp_path):
    inbox = tmp_path / "hs"
    leaf = RUBRIC.leaves[0].id
    make_submission("Bao\u202ecao.xlsx", folder=inbox, ten_don_vi="Sở\u202e Nội\u2067 vụ",
                    evidence={leaf: "Quyết định\u200f số 1"})
    published = _run(inbox, tmp_path / "out")
    assert [r[:2] for r in _sheet(published.workbook, "Tổng hợp")] == [("SNV", "Sở Nội vụ")]
    assert _file_rows(published.workbook) == [("Bao\\u202ecao.xlsx", "SNV", "Đã dùng", None)]
    evidence = {r[2]: r[4] for r in _sheet(published.workbook, "Minh chứng")}
    assert evidence[leaf] == "Quyết định số 1"
    pages = _pages(published)
    assert "Bao\\u202ecao.xlsx" in pages and "Sở Nội vụ" in pages
    assert not any(ch in pages for ch in "\u202e\u2067\u200f")


def test_text_helpers_strip_every_bidi_control_and_display_shows_them():
    controls = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert textnorm.nfc(f"a{controls}b") == "ab"
    assert textnorm.clean_text(f"a{controls}\nb") == "a\nb"
    assert textnorm.display_name(f"a{controls[:2]}\t\udcff.xlsx") == "a\\u200e\\u200f\\t\\xff.xlsx"


def test_discover_keeps_the_exact_relative_path(tmp_path):
    (tmp_path / "x  y").mkdir()
    (tmp_path / "x  y" / "a\tb.xlsx").write_bytes(b"")
    assert [f.rel for f in discover(tmp_path)] == ["x  y/a\tb.xlsx"]


def test_a_resubmission_with_an_invalid_utf8_name_is_noted_without_crashing(make_submission, tmp_path):
    """The note saying which file replaced which names the other file: shown, not raw."""
    source = make_submission("tam.xlsx", folder=tmp_path / "nguon", ngay_bao_cao="20/01/2026")
    inbox = tmp_path / "hs"
    make_submission("lan1.xlsx", folder=inbox, ngay_bao_cao="10/01/2026")
    _copy_as_bytes_name(source, inbox, b"l\xe1n 2.xlsx")
    out = tmp_path / "out"
    _process_ok(inbox, out)
    notes = {r[0]: r[3] for r in _file_rows(out / "TongHop_DVHT_2025.xlsx")}
    assert "l\\xe1n 2.xlsx" in notes["lan1.xlsx"]
