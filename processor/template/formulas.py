"""The template's live formulas, built from the layout's cells: pure functions of a layout
and a rubric, so they are tested without writing a workbook, and no column letter is
written by hand anywhere.
"""

from __future__ import annotations

from processor.model.layout import COL_MAX, COL_SCORE, FIRST_CRITERION_ROW, Layout, column_letter, leaf_ranges

SCORE, MAX = column_letter(COL_SCORE), column_letter(COL_MAX)


def number(value: float) -> str:
    """A number as written inside an Excel formula (always a dot)."""
    return f"{value:g}"


def sum_of_rows(rows: list[int]) -> str:
    """The sum of the score cells of these (0-based) rows, as runs of ranges."""
    return f"=SUM({leaf_ranges(rows, COL_SCORE)})"


def score_is_wrong(row: int, step: float) -> str:
    """Conditional format: a typed score that is negative, over its maximum or off the step."""
    score, maximum = f"{SCORE}{row + 1}", f"${MAX}${row + 1}"
    return (f"=IF(ISBLANK({score}),FALSE,IF(ISNUMBER({score}),OR({score}<0,{score}>{maximum},"
            f"MOD({score},{number(step)})<>0),TRUE))")


def score_is_blank(row: int) -> str:
    return f"=ISBLANK({SCORE}{row + 1})"


def class_of_total(layout: Layout, incomplete: str, over_max: str) -> str:
    """The class the total earns by the rubric's bands; a message instead while a leaf is
    blank, or while a score is negative or over its maximum."""
    rubric = layout.rubric
    leaves = [layout.row_of(leaf.id).row for leaf in rubric.leaves]
    first, last = FIRST_CRITERION_ROW + 1, layout.total_row  # 1-based rows of the criteria
    total = f"{SCORE}{layout.total_row + 1}"
    chain = f'"{rubric.bands[-1].label}"'
    for band in reversed(rubric.bands[:-1]):
        chain = f'IF({total}>={number(band.min)},"{band.label}",{chain})'
    scores, maxima = f"{SCORE}{first}:{SCORE}{last}", f"{MAX}{first}:{MAX}{last}"
    return (f'=IF(COUNT({leaf_ranges(leaves, COL_SCORE)})<{len(leaves)},"{incomplete}",'
            f'IF(SUMPRODUCT(({scores}>{maxima})+({scores}<0))>0,"{over_max}",{chain}))')
