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
    attrs = f' workbookPassword="{hash_password(password)}"' if password else ""
    element = f'<workbookProtection{attrs} lockStructure="1"/>'
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                if "<bookViews>" not in text:
                    raise RuntimeError("xl/workbook.xml has no <bookViews>")
                data = text.replace("<bookViews>", element + "<bookViews>", 1).encode("utf-8")
            zout.writestr(info, data)
