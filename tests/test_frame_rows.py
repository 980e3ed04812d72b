"""rows_by_position (processor/judge/score.py) is DataFrame.to_dict("index"), faster: the
same keys, values and value types, NaN included, for the frames the judge makes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from processor.judge.score import rows_by_position


def _same(a: dict, b: dict) -> bool:
    if list(a) != list(b):
        return False
    for key in a:
        if list(a[key]) != list(b[key]):
            return False
        for column, x in a[key].items():
            y = b[key][column]
            if type(x) is not type(y):
                return False
            if not (x is y or x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))):
                return False
    return True


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"1": [1.5, np.nan, 3.0], "total": [np.nan, 2.0, 4.25],
                  "class": pd.array(["x", "", "y"], dtype="string")}),
    pd.DataFrame({"n": [1, 2], "ok": [True, False], "text": ["a", None]}, index=[5, 7]),
    pd.DataFrame(index=pd.RangeIndex(3)),
    pd.DataFrame({"a": pd.Series([], dtype="float64")}),
    pd.DataFrame({"s": pd.array(["x", None], dtype="string"), "i": np.array([1, 2], dtype="int64")}),
    # not a frame of the judge's: handed to to_dict (nullable ints, numpy scalars in an object column)
    pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "o": pd.Series([np.int64(1), np.float64(2.0)],
                                                                         dtype=object)}),
    pd.DataFrame({"d": pd.to_datetime(["2025-01-02", None])}),
])
def test_rows_by_position_is_to_dict_index(frame):
    assert _same(rows_by_position(frame), frame.to_dict("index"))


def test_rows_by_position_refuses_a_repeated_index_as_to_dict_does():
    frame = pd.DataFrame({"a": [1.0, 2.0]}, index=[3, 3])
    with pytest.raises(ValueError):
        frame.to_dict("index")
    with pytest.raises(ValueError):
        rows_by_position(frame)
