"""Screenshots of the demo's index and a unit page, for the README (headless Chromium).

Usage: python tools/screenshots.py OUTPUT_DIR [DOCS_DIR]   (after `make demo`)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main(out_dir: Path, docs: Path) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    html = out_dir.resolve() / "html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1500}, locale="vi-VN")
        page.goto((html / "index.html").as_uri())
        page.screenshot(path=str(docs / "trang_tong_hop.png"), full_page=False)
        page.goto((html / "SNV.html").as_uri())
        page.screenshot(path=str(docs / "trang_don_vi.png"), full_page=False)
        browser.close()
    print(docs / "trang_tong_hop.png", docs / "trang_don_vi.png")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "output"), Path(sys.argv[2] if len(sys.argv) > 2 else "docs"))
