"""Render the scoring sheet of a filled template to a PNG for the README.

Fills the template with the 2021 reference report (3c left at its wrong 10 points, so the
picture shows how the template marks it), hides the other sheets, fits the scoring sheet
on one A4 page, and lets LibreOffice and pdftoppm do the drawing.
Usage: python tools/render_template_image.py docs/mau_cham_diem.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from processor.model.layout import SHEET_SCORES, build_layout
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.template.filler import fill_template, submission_values
from processor.template.writer import TemplateRequest, write_template

REFERENCE = Path(__file__).resolve().parent.parent / "processor" / "demo" / "reference_2021.yaml"


def main(target: Path) -> None:
    data = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = write_template(
            work / "Mau.xlsx", TemplateRequest(build_layout(load_rubric()), load_settings(), 2021)
        )
        filled = fill_template(template, work / "filled.xlsx", submission_values(
            data["identity"], data["scores"], data["evidence"], data["narrative"]))
        wb = openpyxl.load_workbook(filled)
        for ws in wb.worksheets:
            if ws.title != SHEET_SCORES:
                ws.sheet_state = "hidden"
        wb.active = wb.sheetnames.index(SHEET_SCORES)
        scores = wb[SHEET_SCORES]
        scores.page_setup.fitToHeight = 1
        scores.page_setup.orientation = "portrait"
        scores.oddFooter.center.text = None
        wb.save(work / "cham_diem.xlsx")
        subprocess.run(
            ["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(work), str(work / "cham_diem.xlsx")],
            check=True, capture_output=True, timeout=180,
        )
        # LibreOffice prints a hidden sheet that has a print area (every sheet of ours has
        # one): take the page that carries the scoring sheet's title.
        text = subprocess.run(["pdftotext", str(work / "cham_diem.pdf"), "-"], check=True, capture_output=True,
                              text=True, timeout=60).stdout
        page = next(n for n, t in enumerate(text.split("\f"), 1) if "BẢNG CHẤM ĐIỂM" in t)
        subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(work / "cham_diem.pdf"), str(work / "page")], check=True, timeout=60)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "page.png", target)
    print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/mau_cham_diem.png"))
