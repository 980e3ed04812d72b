"""The one table of colours by class and status, for the workbook and the pages alike, so that
the best class is the same green on paper and on screen.

A rubric's bands are coloured by rank (best first); the pages' stylesheet gets these values
written into it when it is loaded (see report.html.assets), the workbook uses them directly.
"""

from __future__ import annotations

from processor.model.statuses import Status

CLASS_FILLS = ("#C6EFCE", "#DDEBF7", "#FFEB9C", "#FFC7CE")  # cell fills, best band first
NO_CLASS_FILL = "#BFBFBF"  # the "no class" bar of the workbook's chart
CLASS_BARS = ("#63b375", "#5b9bd5", "#e0b43a", "#d9534f", "#9aa5b1")  # the pages' chart bars; last: no class
STATUS_COLOURS = {Status.TO_FIX: "#FCE4D6", Status.MISSING: "#EDEDED", Status.COVERED: "#E4DFEC"}


def band_index(bands: list[str], label: str) -> int:
    """The colour rank of a class label; labels past the palette share its last colour, and
    a unit without a class gets the rank after it."""
    return min(bands.index(label), len(CLASS_FILLS) - 1) if label in bands else len(CLASS_FILLS)


def css_class_fills() -> str:
    return " ".join(f"--c{i}: {colour.lower()};" for i, colour in enumerate(CLASS_FILLS))


def css_class_bars() -> str:
    return " ".join(f".bar-c{i} {{ fill: {colour}; }}" for i, colour in enumerate(CLASS_BARS))
