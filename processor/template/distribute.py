"""Produce the templates a department mails out: the blank one and one per roster unit,
plus the mail-merge list that pairs each unit's email with its file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

from processor.model.records import Unit
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from processor.template.writer import TemplateRequest, write_template
from processor.text.normalise import safe_file_stem
from processor.text.wording import template_texts

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


def unit_template_names(units: list[Unit]) -> list[str]:
    """One file name per unit, in roster order, never shared: codes such as "Đ01"/"D01" or
    "A/1"/"A 1" make the same ASCII stem, and one unit must not be mailed the other's locked
    template. A later unit whose name is taken gets a numbered suffix; names are compared
    case-insensitively because Windows and macOS disks are."""
    names: list[str] = []
    taken: set[str] = set()
    for unit in units:
        name, n = unit_template_name(unit), 2
        stem = name.removesuffix(".xlsx")
        while name.casefold() in taken:
            name, n = f"{stem}-{n}.xlsx", n + 1
        taken.add(name.casefold())
        names.append(name)
    return names


def csv_safe(value: str) -> str:
    """A cell Excel will not run: text starting with =, +, -, @ (or a tab or carriage return
    before one) is a formula to Excel when it opens a CSV, so it gets a leading apostrophe."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def generate_templates(out_dir: Path, request: TemplateRequest | LevelTemplateRequest,
                       units: list[Unit] | None = None) -> Distribution:
    """The blank template and, with a roster, one per unit (a TT24 unit's kind filled in)."""
    levels = isinstance(request, LevelTemplateRequest)

    def write(path: Path, unit: Unit | None) -> Path:
        if levels:
            return write_level_template(path, replace(request, unit=unit, unit_kind=unit.kind if unit else ""))
        return write_template(path, replace(request, unit=unit))

    blank = write(out_dir / blank_template_name(request.year), None)
    if not units:
        return Distribution(blank=blank)
    unit_dir = out_dir / str(request.year)
    files: list[tuple[Unit, Path]] = []
    for unit, name in zip(units, unit_template_names(units), strict=True):
        path = write(unit_dir / name, unit)
        files.append((unit, path))
    mail_merge = unit_dir / MAIL_MERGE_FILE
    header = template_texts()["mail_merge_header"]
    with mail_merge.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for unit, path in files:
            cells = (unit.code, unit.name, unit.email, unit.contact, str(path.resolve()))
            writer.writerow([csv_safe(x) for x in cells])
    return Distribution(blank=blank, unit_files=tuple(files), mail_merge=mail_merge)
