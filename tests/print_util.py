"""Printing checks shared by the tests: what LibreOffice puts on paper, read back with
poppler (pdftotext, pdfinfo), the way a department prints a workbook or a letter.

A page is its size in points and its words with their boxes, so a test can say "A4",
"landscape", "nothing past the right edge", "this title is on one page, whole".
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

PT_PER_CM = 72 / 2.54
A4_PORTRAIT = (595, 842)
A4_LANDSCAPE = (842, 595)


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: tuple[Word, ...]
    text: str  # the page's text in reading order, whitespace folded to single spaces

    @property
    def size(self) -> tuple[int, int]:
        return round(self.width), round(self.height)


def pdf_pages(pdf: Path) -> list[Page]:
    """Every page of a PDF: its size, its words with boxes, and its plain text."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True,
                           timeout=120).stdout
    plain = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True,
                           timeout=120).stdout.split("\f")
    pages = []
    for number, page in enumerate(re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S)):
        words = tuple(Word(_unescape(m[5]), float(m[1]), float(m[2]), float(m[3]), float(m[4])) for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page[3]))
        text = " ".join(plain[number].split()) if number < len(plain) else ""
        pages.append(Page(float(page[1]), float(page[2]), words, text))
    return pages


def pdf_text(pdf: Path) -> str:
    """The whole PDF's text, whitespace folded: for "names every unit once" checks."""
    out = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=120).stdout
    return " ".join(out.split())


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace(
        "&amp;", "&")
