"""Wording of the consolidated outputs, from processor/texts/report.yaml."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPORT_TEXTS = Path(__file__).parent / "texts" / "report.yaml"


@cache
def report_texts() -> dict[str, Any]:
    return yaml.safe_load(REPORT_TEXTS.read_text(encoding="utf-8"))
