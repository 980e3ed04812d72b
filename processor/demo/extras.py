"""What else lands in a department's inbox folder besides the units' workbooks."""

from __future__ import annotations

from pathlib import Path


def write_extras(input_dir: Path, lock_of: Path, broken_from: Path, broken: Path) -> None:
    """What else lands in a real inbox folder: Excel's lock file of an open workbook, a
    scanned letter, and a file cut off in transit."""
    (lock_of.parent / f"~${lock_of.name}").write_bytes(b"\x0bNguyen Van A" + b"\x00" * 40)
    (input_dir / "Cong_van_nhac_nop.pdf").write_bytes(b"%PDF-1.4\n% demo\n")
    broken.write_bytes(broken_from.read_bytes()[:3000])
