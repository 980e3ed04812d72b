"""Recompute every unit's scores from its leaves, all units at once, with pandas.

A long table (unit × leaf) joined to a leaf → ancestor map gives every group sum and the
total in one groupby; the class comes from the rubric's bands, and only for units whose
counting file has no error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from processor.model.records import UnitResult
from processor.model.rubric import Rubric
from processor.model.statuses import Status

TOTAL = "total"
CLASS = "class"


def ancestors_table(rubric: Rubric) -> pd.DataFrame:
    """One row per (leaf, group it counts towards), the total included."""
    rows: list[tuple[str, str]] = []

    def walk(node, path: list[str]) -> None:  # type: ignore[no-untyped-def]
        if node.is_leaf:
            rows.extend((node.id, group) for group in [*path, node.id, TOTAL])
        for child in node.children:
            walk(child, [*path, node.id])

    for top in rubric.criteria:
        walk(top, [])
    return pd.DataFrame(rows, columns=["leaf", "criterion"])


def long_table(units: list[UnitResult], rubric: Rubric) -> pd.DataFrame:
    """unit × leaf scores of every unit that has a counting file (NaN where not a number)."""
    records = [
        (i, leaf.id, u.submission.scores.get(leaf.id))
        for i, u in enumerate(units) if u.submission is not None
        for leaf in rubric.leaves
    ]
    frame = pd.DataFrame(records, columns=["unit", "leaf", "score"])
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype("float64")
    return frame


def score_units(units: list[UnitResult], rubric: Rubric) -> pd.DataFrame:
    """Index: position in units. Columns: every criterion id, 'total', 'class'.

    A sum is NaN when one of its leaves is missing or not a number, so no partial total is
    ever shown as if it were the unit's score.
    """
    columns = [c.id for c in rubric.walk()] + [TOTAL]
    long = long_table(units, rubric)
    if long.empty:
        table = pd.DataFrame(index=pd.RangeIndex(len(units)), columns=columns, dtype="float64")
    else:
        joined = long.merge(ancestors_table(rubric), on="leaf")
        sums = joined.groupby(["unit", "criterion"], sort=False)["score"].sum(min_count=1)
        complete = joined.groupby(["unit", "criterion"], sort=False)["score"].count() == \
            joined.groupby(["unit", "criterion"], sort=False)["score"].size()
        sums = sums.where(complete)
        table = sums.unstack("criterion").reindex(index=range(len(units)), columns=columns)
    valid = pd.Series([u.status == Status.VALID for u in units], index=table.index)
    table[CLASS] = [
        rubric.classify(total) if ok and pd.notna(total) else ""
        for total, ok in zip(table[TOTAL], valid, strict=True)
    ]
    return table


def rows_by_position(table: pd.DataFrame) -> dict[Any, dict[Any, Any]]:
    """table.to_dict("index"), the same Python values (a NaN stays a float NaN), a column at a
    time: to_dict boxes each of 10,000 × 23 values on its own (0.2 s; this 0.05). Only for the
    frames the judge makes (a unique index; number, flag and text columns): any other frame
    is handed to to_dict itself."""
    columns = list(table.columns)
    if not table.index.is_unique or not table.columns.is_unique or not all(
            (isinstance(dtype, pd.StringDtype) and isinstance(dtype.na_value, float))  # NaN, not pd.NA
            or (isinstance(dtype, np.dtype) and dtype.kind in "biuf")
            for dtype in table.dtypes):
        return table.to_dict("index")
    values = [table.iloc[:, j].tolist() for j in range(len(columns))]
    rows = zip(*values, strict=True) if values else ((),) * len(table)
    return {i: dict(zip(columns, row, strict=True)) for i, row in zip(table.index.tolist(), rows, strict=True)}
