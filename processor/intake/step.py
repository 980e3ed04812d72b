"""The per-file step: a path in, one record out, never an exception.

Pure (it reads one input file, read-only, and returns plain data), so the pool runs it in
worker processes and its output does not depend on how many there are.
"""

from __future__ import annotations

from processor.intake.checks import validate
from processor.intake.read import read_file
from processor.model.batch import CheckContext
from processor.model.records import FileResult, FoundFile


def process_file(found: FoundFile, ctx: CheckContext) -> FileResult:
    """Read the file's values and structure, then run every check on them."""
    return validate(read_file(found, ctx.rubric, ctx.limits, ctx.tier), ctx)
