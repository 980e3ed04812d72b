"""Render the first printed page of the demo's consolidated workbook (sheet Tổng hợp) to a
PNG for the README: the demo season of 2021 through the real pipeline, then LibreOffice
prints the workbook as it is (its own page setup) and pdftoppm draws the first page.
Usage: python tools/render_workbook_image.py docs/tong_hop_in.png
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from processor.cli import main as cli


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        err = io.StringIO()
        if cli(["demo", "--out", str(work / "out"), "--year", "2021", "--ngay-chay", "01/04/2022"],
               stdout=io.StringIO(), stderr=err):
            sys.exit(err.getvalue())
        book = work / "out" / "TongHop_DVHT_2021.xlsx"
        subprocess.run(
            ["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(work), str(book)],
            check=True, capture_output=True, timeout=300,
        )
        subprocess.run(["pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "1", "-singlefile",
                        str(work / "TongHop_DVHT_2021.pdf"), str(work / "page")], check=True, timeout=60)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "page.png", target)
    print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/tong_hop_in.png"))
