"""Findings are data: a frozen Issue with a stable code, a severity and a Vietnamese message.

Codes, severities and wording live in processor/texts/issues.yaml so that the README table,
the messages and the checks cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ISSUES_FILE = Path(__file__).parent / "texts" / "issues.yaml"
ERROR, WARNING = "error", "warning"
SEVERITY_LABEL = {ERROR: "Lỗi", WARNING: "Cảnh báo"}


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str
    file: str
    sheet: str
    cell: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABEL[self.severity]

    def sort_key(self) -> tuple[int, str]:
        return (0 if self.is_error else 1, self.file)


@dataclass(frozen=True)
class IssueType:
    code: str
    severity: str
    title: str
    message: str


@cache
def catalogue() -> dict[str, IssueType]:
    data = yaml.safe_load(ISSUES_FILE.read_text(encoding="utf-8"))
    return {code: IssueType(code=code, **spec) for code, spec in data.items()}


def make_issue(code: str, file: str, sheet: str = "", cell: str = "", **params: Any) -> Issue:
    kind = catalogue()[code]
    return Issue(code=code, severity=kind.severity, file=file, sheet=sheet, cell=cell,
                 message=kind.message.format_map(_Params(params)))


class _Params(dict):  # type: ignore[type-arg]
    """Leave an unknown {placeholder} visible instead of crashing on a wording change."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_number(value: float) -> str:
    """A score as Vietnamese readers write it: 7,5 — and 10, not 10.0."""
    return f"{value:g}".replace(".", ",")
