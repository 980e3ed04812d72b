"""Find every file under the input folder and decide, without opening it, whether to read it.

Nothing found is dropped: a file that is not read carries the reason, so the consolidated
workbook can account for every file staff put in the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from processor.records import SPREADSHEET_SUFFIXES, FoundFile
from processor.textnorm import nfc

SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"}


def discover(input_dir: Path) -> list[FoundFile]:
    """Every file below input_dir, recursively, sorted by relative path for determinism."""
    found: list[FoundFile] = []
    for root, dirs, files in os.walk(input_dir, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            rel = nfc(path.relative_to(input_dir).as_posix())
            try:
                st = path.lstat()
            except OSError:
                found.append(FoundFile(str(path), rel, 0, 0.0, "không truy cập được tệp"))
                continue
            found.append(FoundFile(str(path), rel, st.st_size, st.st_mtime, skip_reason(path, input_dir)))
        # Symlinked folders are not followed (loops, paths outside the folder) but are listed.
        for name in [d for d in dirs if (Path(root) / d).is_symlink()]:
            path = Path(root) / name
            found.append(FoundFile(str(path), nfc(path.relative_to(input_dir).as_posix()), 0, 0.0,
                                   "liên kết tới thư mục khác, không đọc"))
    return sorted(found, key=lambda f: f.rel)


def skip_reason(path: Path, input_dir: Path) -> str | None:
    name = path.name
    if path.is_symlink():
        return "liên kết (shortcut) tới tệp khác, không đọc"
    if name.startswith("~$"):
        return "tệp khoá tạm do Excel/Word tạo khi đang mở tệp"
    if name.lower() in SYSTEM_FILES:
        return "tệp hệ thống"
    parts = path.relative_to(input_dir).parts
    if any(part.startswith(".") for part in parts) or any(p == "__MACOSX" for p in parts):
        return "tệp hoặc thư mục ẩn"
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return f"không phải sổ tính ({', '.join(SPREADSHEET_SUFFIXES)})"
    return None
