"""Workbook structure protection, which xlsxwriter cannot write, added after the fact.

Only xl/workbook.xml changes; every other part is copied byte for byte, which keeps the
file exactly as xlsxwriter made it (an openpyxl round trip would rewrite it all).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl.utils.protection import hash_password


def lock_structure(source: Path, target: Path, password: str) -> None:
    """Copy source to target with the workbook's structure locked (no sheet added, removed
    or renamed), under the password when there is one."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, structure_locked(info.filename, zin.read(info.filename), password))


def structure_locked(name: str, data: bytes, password: str) -> bytes:
    """A part of the workbook as lock_structure writes it: xl/workbook.xml gets the
    protection element, every other part stays as it is (for a rewrite that changes the file
    anyway, which need not unpack and pack it a second time)."""
    if name != "xl/workbook.xml":
        return data
    attrs = f' workbookPassword="{hash_password(password)}"' if password else ""
    element = f'<workbookProtection{attrs} lockStructure="1"/>'
    text = data.decode("utf-8")
    if "<bookViews>" not in text:
        raise RuntimeError("xl/workbook.xml has no <bookViews>")
    return text.replace("<bookViews>", element + "<bookViews>", 1).encode("utf-8")
