"""What every check of one file looks at, whichever rubric it is judged by."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from processor.intake.fields import Fields
from processor.model.batch import CheckContext
from processor.model.issues import Issue
from processor.model.layout import Layout
from processor.model.level_layout import LevelLayout
from processor.model.records import LevelEntries, RawSubmission


@dataclass(frozen=True)
class Submission:
    """What every check looks at."""

    raw: RawSubmission
    ctx: CheckContext
    layout: Layout | LevelLayout  # the layout of the file's own format version
    fields: Fields
    entries: LevelEntries | None = None  # a Thông tư 24/2023 dossier's figures

    def where(self, cell_key: str) -> tuple[str, str, str]:
        """(file, sheet, cell) of an identity field, the first arguments of make_issue."""
        cell = self.layout.identity[cell_key]
        return self.raw.rel, cell.sheet, cell.a1


Check = Callable[[Submission], Iterable[Issue]]
