"""The output folder: never over the input, never over what is not ours, all or nothing,
one run at a time, and honest messages when the disk is full or the folder read-only."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from processor.cli import main
from processor.model.batch import BatchOptions
from processor.model.rubric import load_rubric
from processor.pipeline import run_batch
from processor.report import publish as publish_module
from processor.report.publish import OWNED_NAMES, STATE_DIR, output_lock, publish, published_names, recover
from processor.report.workbook import workbook_name
from tests.conftest import TT22_2025, as_nobody, give_to_nobody

REPO = Path(__file__).resolve().parent.parent
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def process(inbox: Path, out: Path) -> tuple[int, str, str]:
    return cli("process", str(inbox), "--out", str(out), *TT22_2025, "--workers", "1",
               "--deadline", "31/03/2026")


def one_line_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi: ") and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def inbox(make_submission, tmp_path) -> Path:
    folder = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=folder)
    return folder


# --- where the output may be (items 1, 2, 16) ---------------------------------------------

def test_output_equal_to_input_is_refused_and_nothing_touched(make_submission, tmp_path):
    folder = tmp_path / "IN"
    make_submission("SNV.xlsx", folder=folder / "html")
    make_submission(workbook_name(2025), folder=folder, ma_don_vi="STC", ten_don_vi="Sở Tài chính")
    before = snapshot(folder)
    code, _, err = process(folder, folder)
    assert code == 2
    assert "trùng với thư mục hồ sơ" in one_line_error(err)
    assert snapshot(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == ["TongHop_DVHT_2025.xlsx", "html"]


@pytest.mark.parametrize("inside", ["html", "html/lan 2", ".dvht"])
def test_input_inside_what_the_tool_replaces_is_refused(make_submission, tmp_path, inside):
    root = tmp_path / "D"
    make_submission("SNV.xlsx", folder=root / inside)
    before = snapshot(root)
    code, _, err = process(root / inside, root)
    assert code == 2
    assert "nơi phần mềm ghi kết quả" in one_line_error(err)
    assert snapshot(root) == before


def test_output_inside_input_is_refused(inbox):
    before = snapshot(inbox)
    code, _, err = process(inbox, inbox / "ket_qua")
    assert code == 2
    assert "nằm trong thư mục hồ sơ" in one_line_error(err)
    assert snapshot(inbox) == before and not (inbox / "ket_qua").exists()


def test_input_kept_inside_output_folder_is_allowed(inbox):
    root = inbox.parent
    before = snapshot(inbox)
    for _ in range(2):
        code, out, err = process(inbox, root)
        assert (code, err) == (0, "")
        assert "Tệp tìm thấy: 1" in out
    assert snapshot(inbox) == before
    assert (root / "html" / "index.html").is_file() and (root / workbook_name(2025)).is_file()


def test_owned_names_are_the_published_outputs_and_the_state_folder():
    assert published_names(2025) == ["html", workbook_name(2025), "TongHop_DVHT_2025.log", "van_ban"]
    assert OWNED_NAMES[-1] == STATE_DIR


# --- never replace what the tool did not create (item 2) ---------------------------------

@pytest.mark.parametrize("foreign", ["html-with-notes", "submission-as-workbook", "html-symlink", "own-log"])
def test_foreign_outputs_are_never_replaced(make_submission, inbox, tmp_path, foreign):
    out = tmp_path / "out"
    out.mkdir()
    if foreign == "html-with-notes":
        (out / "html").mkdir()
        (out / "html" / "ghi chu.docx").write_bytes(b"notes")
        name = "html"
    elif foreign == "submission-as-workbook":
        make_submission(workbook_name(2025), folder=out)
        name = workbook_name(2025)
    elif foreign == "html-symlink":
        (out / "html").symlink_to(inbox)
        name = "html"
    else:
        (out / "TongHop_DVHT_2025.log").write_text("sổ ghi chép của phòng\n", encoding="utf-8")
        name = "TongHop_DVHT_2025.log"
    before, inbox_before = snapshot(out), snapshot(inbox)
    code, _, err = process(inbox, out)
    assert code == 2
    line = one_line_error(err)
    assert f"đã có {name} không do phần mềm này tạo" in line and "chọn thư mục kết quả khác" in line
    assert snapshot(out) == before and snapshot(inbox) == inbox_before
    assert not (out / STATE_DIR).exists()


def test_outputs_of_the_earlier_version_are_recognised(inbox, tmp_path):
    out = tmp_path / "out"
    assert process(inbox, out)[0] == 0
    (out / "html" / ".dvht-html").unlink()  # the earlier version left no mark
    shutil.rmtree(out / STATE_DIR)
    code, _, err = process(inbox, out)
    assert (code, err) == (0, "")
    assert (out / "html" / ".dvht-html").is_file()


def test_earlier_pages_beside_a_foreign_file_are_not_ours(inbox, tmp_path):
    out = tmp_path / "out"
    assert process(inbox, out)[0] == 0
    (out / "html" / ".dvht-html").unlink()
    (out / "html" / "bao_cao.pdf").write_bytes(b"%PDF")
    code, _, err = process(inbox, out)
    assert code == 2 and "đã có html không do phần mềm này tạo" in one_line_error(err)
    assert (out / "html" / "bao_cao.pdf").read_bytes() == b"%PDF"


# --- all or nothing (item 12) --------------------------------------------------------------

def options(folder: Path, out: Path) -> BatchOptions:
    return BatchOptions(input_dir=folder, out_dir=out, year=2025, rubric=load_rubric(),
                        deadline=date(2026, 3, 31), workers=1)


@pytest.fixture
def two_runs(make_submission, tmp_path) -> tuple[Path, Path, Path]:
    """An output of a first run (one unit), and a second inbox with one more unit."""
    first, second, out = tmp_path / "lan1", tmp_path / "lan2", tmp_path / "out"
    make_submission("SNV.xlsx", folder=first)
    make_submission("SNV.xlsx", folder=second)
    make_submission("STC.xlsx", folder=second, ma_don_vi="STC", ten_don_vi="Sở Tài chính")
    publish(run_batch(options(first, out)))
    return first, second, out


@pytest.mark.parametrize("which", ["old-html-aside", "new-html-in"])
def test_failed_html_rename_keeps_previous_workbook_and_pages(two_runs, monkeypatch, which):
    _, second, out = two_runs
    before = snapshot(out / "html"), (out / workbook_name(2025)).read_bytes()
    real_replace, failed = os.replace, []

    def replace(src, dst):  # fails once, as a file open in html/ on Windows would
        if not failed and ((which == "old-html-aside" and Path(src) == out / "html") or
                           (which == "new-html-in" and Path(dst) == out / "html")):
            failed.append(src)
            raise PermissionError(13, "Permission denied", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    code, _, err = process(second, out)
    assert code == 2
    assert "Kết quả lần trước được giữ nguyên" in one_line_error(err)
    assert (snapshot(out / "html"), (out / workbook_name(2025)).read_bytes()) == before
    assert sorted(os.listdir(out / STATE_DIR)) == ["lock"]


def test_kill_between_renames_is_completed_by_the_next_run(two_runs):
    _, second, out = two_runs
    old_pages = snapshot(out / "html")
    result = run_batch(options(second, out))
    pid = os.fork()
    if pid == 0:  # the run killed at the worst moment: the new workbook in place, the pages not
        try:
            real_replace = os.replace

            def replace(src, dst):
                if Path(src) == out / "html":
                    os._exit(9)
                return real_replace(src, dst)

            os.replace = replace
            publish(result)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 9
    assert snapshot(out / "html") == old_pages and (out / STATE_DIR / "journal.json").is_file()
    with output_lock(out):
        recover(out)
    index = (out / "html" / "index.html").read_text(encoding="utf-8")
    assert "Sở Tài chính" in index and snapshot(out / "html") != old_pages
    assert sorted(os.listdir(out / STATE_DIR)) == ["lock"]


def test_windows_sharing_violation_names_excel(two_runs, monkeypatch):
    _, second, out = two_runs
    before = snapshot(out)
    real_replace = os.replace

    def replace(src, dst):
        if Path(src) == out / workbook_name(2025):
            raise PermissionError(13, "The process cannot access the file", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(publish_module, "_OPEN_FILES_BLOCK_RENAME", True)
    code, _, err = process(second, out)
    assert code == 2
    assert "TongHop_DVHT_2025.xlsx: tệp đang mở trong Excel hoặc chương trình khác" in one_line_error(err)
    assert snapshot(out) == before


# --- one run at a time (item 12) ----------------------------------------------------------

def test_second_run_into_the_same_output_is_refused_until_the_first_ends(inbox, tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path\n"
         "from processor.report.publish import output_lock\n"
         "with output_lock(Path(sys.argv[1])):\n    print('ready', flush=True); sys.stdin.read()", str(out)],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "ready\n"
        code, _, err = process(inbox, out)
        assert code == 2
        assert "Một lần chạy khác đang ghi vào thư mục kết quả" in one_line_error(err)
        assert not (out / "html").exists() and not (out / workbook_name(2025)).exists()
    finally:
        holder.communicate("")
    assert holder.returncode == 0
    assert process(inbox, out)[0] == 0


# --- where staging happens, read-only folders, disk full (items 13, 14) ------------------

def test_output_whose_parent_is_read_only_works(make_submission, shared_dir):
    inbox = shared_dir / "ho_so"
    make_submission("SNV.xlsx", folder=inbox)
    parent = shared_dir / "chi_doc"
    (parent / "ket_qua").mkdir(parents=True)
    give_to_nobody(shared_dir)
    parent.chmod(0o555)
    run = as_nobody("process", str(inbox), "--out", str(parent / "ket_qua"), *TT22_2025, "--workers", "1")
    assert (run.returncode, run.stderr) == (0, "")
    assert (parent / "ket_qua" / "html" / "index.html").is_file()
    assert sorted(os.listdir(parent)) == ["ket_qua"]


def test_read_only_output_is_not_reported_as_open_in_excel(make_submission, shared_dir):
    inbox = shared_dir / "ho_so"
    make_submission("SNV.xlsx", folder=inbox)
    give_to_nobody(inbox)
    out = shared_dir / "cua_root"
    out.mkdir()  # root's, 755: nobody may not write there
    run = as_nobody("process", str(inbox), "--out", str(out), *TT22_2025, "--workers", "1")
    assert run.returncode == 2
    line = one_line_error(run.stderr)
    assert "không có quyền ghi vào thư mục kết quả hoặc thư mục chỉ đọc" in line and "Excel" not in line


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    mount = tmp_path / "usb"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_disk_full_is_a_clear_message_and_keeps_the_previous_output(make_submission, tmp_path, small_disk):
    small, big = tmp_path / "nho", tmp_path / "lon"
    make_submission("SNV.xlsx", folder=small)
    for i in range(60):
        make_submission(f"DV{i:02}.xlsx", folder=big, ma_don_vi=f"DV{i:02}", ten_don_vi=f"Đơn vị thứ {i}")
    out = small_disk  # the output folder is the mount point itself: 70 KB fit, 1.3 MB do not
    assert process(small, out)[0] == 0
    before = snapshot(out)
    code, _, err = process(big, out)
    assert code == 2
    assert "đĩa đầy" in one_line_error(err)
    assert snapshot(out) == before
    assert sorted(os.listdir(out / STATE_DIR)) == ["lock"]


# --- --year (item 14) ---------------------------------------------------------------------

@pytest.mark.parametrize("year", ["20255", "-1", "205", "hai"])
@pytest.mark.parametrize("command", ["template", "process"])
def test_year_outside_2000_2100_is_a_usage_error(tmp_path, command, year):
    argv = [command, str(tmp_path)] if command == "process" else [command]
    code, _, err = cli(*argv, "--year", year, "--out", str(tmp_path / "out"))
    assert code == 2
    line = one_line_error(err)
    assert line.startswith("Lỗi: --year: năm ") and ("2000 đến 2100" in line or "không phải số nguyên" in line)
    assert not (tmp_path / "out").exists()
