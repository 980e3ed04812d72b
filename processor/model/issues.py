"""Findings are data: a frozen Issue with a stable code, a severity, where it is, its
parameters and a Vietnamese message rendered from one template per code.

Codes, severities and wording live in processor/texts/issues.yaml so that the README table,
the messages and the checks cannot disagree. The parameters stay on the Issue, so tests and
reports use them instead of parsing message text.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from typing import Any

from processor.model.statuses import Severity
from processor.text.wording import wording

SEVERITY_LABEL = {Severity.ERROR: "Lỗi", Severity.WARNING: "Cảnh báo"}


@dataclass(frozen=True)
class Issue:
    code: str
    severity: Severity
    file: str
    sheet: str
    cell: str
    message: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABEL[self.severity]

    def param(self, key: str) -> str:
        return dict(self.params)[key]


@dataclass(frozen=True)
class IssueType:
    code: str
    severity: Severity
    title: str
    message: str

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(self.message) if name)


@cache
def catalogue() -> dict[str, IssueType]:
    return {code: IssueType(code=code, severity=Severity(spec["severity"]), title=spec["title"],
                            message=spec["message"])
            for code, spec in wording("issues").items()}


def make_issue(code: str, file: str, sheet: str = "", cell: str = "", **params: Any) -> Issue:
    """The Issue of a code; a placeholder of its message that is not given is our bug
    (KeyError), caught by the rule's test, never shown to an official as "{name}"."""
    kind = catalogue()[code]
    values = {key: str(value) for key, value in params.items()}
    return Issue(code=code, severity=kind.severity, file=file, sheet=sheet, cell=cell,
                 message=kind.message.format_map(values), params=tuple(sorted(values.items())))
