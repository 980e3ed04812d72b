from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from processor.model.errors import RubricError
from processor.model.rubric import load_rubric, parse_rubric, rubric_path
from tests.conftest import REPO


def raw() -> dict[str, Any]:
    return yaml.safe_load(rubric_path("tt22-2020").read_text(encoding="utf-8"))


def find(data: dict[str, Any], cid: str) -> dict[str, Any]:
    stack = list(data["criteria"])
    while stack:
        node = stack.pop()
        if node["id"] == cid:
            return node
        stack.extend(node.get("children", []))
    raise KeyError(cid)


def test_reference_rubric_matches_the_circular(rubric):
    assert rubric.id == "tt22-2020"
    assert rubric.total_max == 100
    assert rubric.step == 0.5
    assert [c.id for c in rubric.criteria] == ["1", "2", "3"]
    assert [c.max for c in rubric.criteria] == [30, 30, 40]
    assert [leaf.id for leaf in rubric.leaves] == [
        "1a", "1b", "1c", "2a", "2b", "2c", "2d",
        *(f"3a{i}" for i in range(1, 9)), "3b", "3c",
    ]
    assert rubric.get("3a").max == 25
    assert rubric.get("3a8").max == 4
    assert rubric.get("3c").max == 5
    assert sum(leaf.max for leaf in rubric.leaves) == 100


@pytest.mark.parametrize(
    ("total", "label"),
    [(100, "Tốt"), (85, "Tốt"), (84.5, "Khá"), (70, "Khá"), (69.5, "Trung bình"),
     (50, "Trung bình"), (49.5, "Không đạt"), (0, "Không đạt")],
)
def test_classify_uses_the_bands(rubric, total, label):
    assert rubric.classify(total) == label


def _group_mismatch(d):
    find(d, "3a")["max"] = 24
def _total_mismatch(d):
    d["total_max"] = 90
    d["bands"][0]["max"] = 90
def _duplicate_id(d):
    find(d, "3b")["id"] = "3c"
def _bad_id(d):
    find(d, "1a")["id"] = "1 a"
def _band_gap(d):
    d["bands"][1]["max"] = 84
def _band_order(d):
    d["bands"][1], d["bands"][2] = d["bands"][2], d["bands"][1]
def _band_floor(d):
    d["bands"][-1]["min"] = 10
def _band_top(d):
    d["bands"][0]["max"] = 99
def _not_step_multiple(d):
    find(d, "3c")["max"] = 5.25
def _max_not_number(d):
    find(d, "2b")["max"] = "năm"
def _missing_key(d):
    del d["bands"]
def _empty_label(d):
    find(d, "2c")["label"] = ""


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_group_mismatch, "nhóm tiêu chí '3a'"),
        (_total_mismatch, "khác total_max"),
        (_duplicate_id, "tiêu chí '3c': id bị trùng"),
        (_bad_id, "tiêu chí '1 a': id phải gồm"),
        (_band_gap, "mức xếp loại 'Khá': các mức phải liền nhau"),
        (_band_order, "các mức phải liền nhau và sắp từ cao xuống thấp"),
        (_band_floor, "mức thấp nhất phải bắt đầu từ 0"),
        (_band_top, "mức cao nhất phải kết thúc ở total_max"),
        (_not_step_multiple, "tiêu chí '3c': điểm tối đa 5,25 không phải bội số"),
        (_max_not_number, "tiêu chí '2b': max: phải là một số"),
        (_missing_key, "thiếu khoá bắt buộc 'bands'"),
        (_empty_label, "tiêu chí '2c': thiếu nội dung"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[1:] if callable(v) else "",
)
def test_a_broken_rubric_is_refused_naming_the_entry(mutate, expected):
    data = copy.deepcopy(raw())
    mutate(data)
    with pytest.raises(RubricError) as err:
        parse_rubric(data, "test.yaml")
    assert expected in str(err.value)


def test_group_mismatch_names_the_group_when_loaded_from_a_file(tmp_path: Path):
    data = raw()
    find(data, "2")["max"] = 35
    path = tmp_path / "sai.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    message = str(err.value)
    assert "sai.yaml" in message
    assert "nhóm tiêu chí '2': điểm tối đa 35 khác tổng điểm tối đa các tiêu chí con (30)" in message


def test_unknown_rubric_lists_the_available_ones():
    with pytest.raises(RubricError, match="tt22-2020"):
        load_rubric("tt99-2099")


def test_no_criterion_text_or_band_is_in_python_code():
    """The rubric is data: its wording and numbers must not leak into the code."""
    data = raw()
    code = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "processor").rglob("*.py"))
    labels = [find(data, leaf.id)["label"] for leaf in load_rubric().walk()]
    for label in labels:
        assert " ".join(label.split())[:40] not in code
    for band in data["bands"]:
        assert f'"{band["label"]}"' not in code
