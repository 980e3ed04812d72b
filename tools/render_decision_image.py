"""Render the first page of the draft decision to a PNG for the README.

Writes the documents of the hand-built TT24 season of tests/document_samples.py (placeholder
names, dotted signer lines, as a department's first run would show), lets LibreOffice make
the PDF and pdftoppm draw page 1.
Usage: python tools/render_decision_image.py docs/du_thao_quyet_dinh.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from processor.model.settings import load_settings
from processor.report.documents import document_names, write_documents
from tests.document_samples import levels_set


def main(target: Path) -> None:
    docs = levels_set()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "van_ban").mkdir()
        write_documents(docs, work / "van_ban", load_settings().documents)
        decision = work / "van_ban" / document_names(docs.year)["quyet_dinh"]
        subprocess.run(
            ["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(work), str(decision)],
            check=True, capture_output=True, timeout=180,
        )
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(work / f"{decision.stem}.pdf"), str(work / "page")], check=True, timeout=60)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "page.png", target)
    print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/du_thao_quyet_dinh.png"))
