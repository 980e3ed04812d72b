"""Find every file under the input folder and decide, without opening it, whether to read it.

Nothing found is dropped: a file that is not read carries the reason, so the consolidated
workbook can account for every file staff put in the folder. That includes what could not
even be looked at (a folder without read permission, a path longer than the OS allows, a
named pipe called *.xlsx): such an entry is marked failed, so it is reported as "Không đọc
được" with a warning rather than skipped in silence, and the batch goes on.

Each file keeps its exact relative path (spaces, NFC or NFD, even bytes that are not
UTF-8) as its identity: two files on disk are two records, however alike their names look.
Normalised forms are for matching only, and are computed where matching happens.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from processor.model.records import SPREADSHEET_SUFFIXES, FoundFile
from processor.system.oserrors import describe

SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"}
ROOT_REL = "."

REASON_TOO_LONG = ("đường dẫn dài quá giới hạn của hệ điều hành; "
                   "hãy chuyển tệp lên thư mục có đường dẫn ngắn hơn rồi chạy lại")
REASON_NO_PERMISSION = "không có quyền đọc {what}; hãy cấp quyền đọc cho người chạy phần mềm rồi chạy lại"
REASON_NOT_REGULAR = "không phải tệp thông thường mà là {kind}; không mở. Hãy gửi lại tệp Excel"
_WINDOWS_PATH_TOO_LONG = 206  # ERROR_FILENAME_EXCED_RANGE


def discover(input_dir: Path) -> list[FoundFile]:
    """Every file below input_dir, recursively, sorted by relative path for determinism.

    Symlinks are listed, never followed (loops, paths outside the folder). Listing is done
    with os.scandir rather than os.walk, whose error handling would drop a folder silently.
    """
    found: list[FoundFile] = []
    pending: list[tuple[str, str]] = [(str(input_dir), "")]
    while pending:
        folder, folder_rel = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)  # the result is sorted by relative path at the end
        except OSError as exc:
            found.append(FoundFile(folder, folder_rel or ROOT_REL, 0, 0.0, _os_reason(exc, "thư mục"),
                                   failed=True, folder=True))
            continue
        for entry in entries:
            rel = f"{folder_rel}/{entry.name}" if folder_rel else entry.name
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
                is_link = not is_folder and entry.is_symlink()
            except OSError as exc:
                found.append(FoundFile(entry.path, rel, 0, 0.0, _os_reason(exc, "tệp"), failed=True))
                continue
            if is_folder:
                pending.append((entry.path, rel))
            elif is_link:
                found.append(_link(entry, rel))
            else:
                found.append(_file(entry, rel))
    return sorted(found, key=lambda f: f.rel)


def _link(entry: os.DirEntry[str], rel: str) -> FoundFile:
    try:
        to_folder = entry.is_dir()
    except OSError:
        to_folder = False
    if to_folder:
        return FoundFile(entry.path, rel, 0, 0.0, "liên kết tới thư mục khác, không đọc", folder=True)
    try:
        st = entry.stat(follow_symlinks=False)
        size, mtime = st.st_size, st.st_mtime
    except OSError:
        size, mtime = 0, 0.0
    return FoundFile(entry.path, rel, size, mtime, "liên kết (shortcut) tới tệp khác, không đọc")


def _file(entry: os.DirEntry[str], rel: str) -> FoundFile:
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError as exc:
        return FoundFile(entry.path, rel, 0, 0.0, _os_reason(exc, "tệp"), failed=True)
    reason = skip_reason(rel)
    if reason is None and stat.S_ISREG(st.st_mode) and not os.access(entry.path, os.R_OK):
        # seen here, not at open time, so it is a row of its own and a warning like a locked folder
        return FoundFile(entry.path, rel, st.st_size, st.st_mtime, REASON_NO_PERMISSION.format(what="tệp"),
                         failed=True)
    if reason is None and not stat.S_ISREG(st.st_mode):
        # Never opened: opening a named pipe waits for a writer, a device may never end.
        return FoundFile(entry.path, rel, 0, st.st_mtime, REASON_NOT_REGULAR.format(kind=_kind(st.st_mode)),
                         failed=True)
    return FoundFile(entry.path, rel, st.st_size, st.st_mtime, reason)


def skip_reason(rel: str) -> str | None:
    """Why a file at this relative path is not read on purpose, from its name alone."""
    parts = rel.split("/")
    name = parts[-1]
    if name.startswith("~$"):
        return "tệp khoá tạm do Excel/Word tạo khi đang mở tệp"
    if name.lower() in SYSTEM_FILES:
        return "tệp hệ thống"
    if any(part.startswith(".") for part in parts) or any(p == "__MACOSX" for p in parts):
        return "tệp hoặc thư mục ẩn"
    if os.path.splitext(name)[1].lower() not in SPREADSHEET_SUFFIXES:
        return f"không phải sổ tính ({', '.join(SPREADSHEET_SUFFIXES)})"
    return None


def _os_reason(exc: OSError, what: str) -> str:
    """The OS's refusal in words an official can act on."""
    if exc.errno == errno.ENAMETOOLONG or getattr(exc, "winerror", None) == _WINDOWS_PATH_TOO_LONG:
        return REASON_TOO_LONG
    if isinstance(exc, PermissionError):
        return REASON_NO_PERMISSION.format(what=what)
    return f"không truy cập được {what} ({describe(exc)})"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "một ống dẫn có tên (named pipe)"
    if stat.S_ISSOCK(mode):
        return "một socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "một tệp thiết bị"
    return "một loại tệp đặc biệt"
