"""The one loader of the wording files in processor/texts/: every sentence an official reads
(templates, workbooks, pages, issue messages, abbreviations) is data, edited without code.

Each file is read once per process (every page and every worker asks for it) and is never
written: callers get the same parsed object and must not change it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_DIR = Path(__file__).resolve().parent.parent / "texts"


@cache
def wording(name: str) -> Any:
    """The parsed processor/texts/<name>.yaml."""
    return yaml.safe_load((TEXTS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def template_texts() -> dict[str, Any]:
    """The template's sheets and the mail-merge list."""
    return wording("template")


def report_texts() -> dict[str, Any]:
    """The consolidated workbook, the pages and the console."""
    return wording("report")
