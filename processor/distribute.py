"""Produce the templates a department mails out: the blank one and one per roster unit,
plus the mail-merge list that pairs each unit's email with its file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

from processor.roster import Unit
from processor.settings import load_template_texts
from processor.template import TemplateRequest, write_template
from processor.textnorm import safe_file_stem

MAIL_MERGE_FILE = "danh_sach_gui.csv"


@dataclass(frozen=True)
class Distribution:
    blank: Path
    unit_files: tuple[tuple[Unit, Path], ...] = ()
    mail_merge: Path | None = None


def blank_template_name(year: int) -> str:
    return f"Mau_DVHT_{year}.xlsx"


def unit_template_name(unit: Unit) -> str:
    """<code>_<name without diacritics>.xlsx, safe on Windows and inside its folder."""
    return f"{safe_file_stem(unit.code, 40)}_{safe_file_stem(unit.name, 80)}.xlsx"


def generate_templates(out_dir: Path, request: TemplateRequest, units: list[Unit] | None = None) -> Distribution:
    blank = write_template(out_dir / blank_template_name(request.year), replace(request, unit=None))
    if not units:
        return Distribution(blank=blank)
    unit_dir = out_dir / str(request.year)
    files: list[tuple[Unit, Path]] = []
    for unit in units:
        path = write_template(unit_dir / unit_template_name(unit), replace(request, unit=unit))
        files.append((unit, path))
    mail_merge = unit_dir / MAIL_MERGE_FILE
    header = load_template_texts()["mail_merge_header"]
    with mail_merge.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for unit, path in files:
            writer.writerow([unit.code, unit.name, unit.email, unit.contact, str(path.resolve())])
    return Distribution(blank=blank, unit_files=tuple(files), mail_merge=mail_merge)
