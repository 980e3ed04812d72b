"""Load a rubric data file and refuse it unless its arithmetic holds.

A wrong maximum in the rubric would silently mis-score every unit of a province, so the
loader checks every rule up front and names the entry that breaks it.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from processor.model.errors import RubricError
from processor.model.levels import LevelRubric, parse_levels
from processor.model.season import Season, parse_season
from processor.text.numbers import format_number

RUBRIC_DIR = Path(__file__).resolve().parent.parent / "rubrics"
DEFAULT_RUBRIC = "tt22-2020"
UNBOUNDED_SEASON = Season(None, None, 31, 3)  # a points file that names no years: due by the end of Q1
_ID_PATTERN = re.compile(r"^[0-9a-z]{1,12}$")
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    max: float
    children: tuple[Criterion, ...] = ()
    depth: int = 0
    # How the circular numbers it in its own list ("1.", "a)", "-"); empty: the id stands in.
    tt: str = ""
    # The wording templates of an earlier format printed, by format version, so that their
    # files still match (the scoring rules did not change, only the printed text).
    earlier_labels: tuple[tuple[str, str], ...] = ()

    @property
    def number(self) -> str:
        """The criterion's mark in the TT column of a table that lists the whole rubric."""
        return self.tt or self.id

    def label_in_format(self, format_version: str) -> str:
        return dict(self.earlier_labels).get(format_version, self.label)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self) -> Iterator[Criterion]:
        yield self
        for child in self.children:
            yield from child.walk()

    def leaves(self) -> Iterator[Criterion]:
        return (c for c in self.walk() if c.is_leaf)


@dataclass(frozen=True)
class Band:
    label: str
    min: float
    max: float
    recognised: bool = True  # a unit of this class is recognised (TT22: Không đạt is not)


@dataclass(frozen=True)
class Rubric:
    """A rubric of kind `points` (Thông tư 22/2020): a scored tree, a step and class bands."""

    id: str
    version: str
    title: str
    legal_basis: str
    step: float
    total_max: float
    criteria: tuple[Criterion, ...]
    bands: tuple[Band, ...]
    season: Season = UNBOUNDED_SEASON

    kind = "points"

    def __hash__(self) -> int:
        # Rubrics key caches (layouts); hashing the whole tree on every look-up is waste.
        return hash((self.id, self.version, self.total_max, len(self.leaves)))

    def walk(self) -> tuple[Criterion, ...]:
        """Every criterion in the order of the scoring table (a group before its children)."""
        return self._in_order

    @cached_property
    def _in_order(self) -> tuple[Criterion, ...]:
        return tuple(c for top in self.criteria for c in top.walk())

    @cached_property
    def leaves(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self._in_order if c.is_leaf)

    def get(self, criterion_id: str) -> Criterion:
        for c in self.walk():
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def classify(self, total: float) -> str:
        """The band whose [min, max) holds total; the top band also holds its max."""
        for i, band in enumerate(self.bands):
            upper_ok = total <= band.max + _TOLERANCE if i == 0 else total < band.max - _TOLERANCE
            if total >= band.min - _TOLERANCE and upper_ok:
                return band.label
        return self.bands[-1].label


AnyRubric = Rubric | LevelRubric


def is_multiple(value: float, step: float) -> bool:
    ratio = value / step
    return math.isfinite(ratio) and abs(ratio - round(ratio)) < 1e-6


def rubric_path(rubric_id: str) -> Path:
    return RUBRIC_DIR / f"{rubric_id}.yaml"


def available_rubrics() -> list[str]:
    return sorted(p.stem for p in RUBRIC_DIR.glob("*.yaml"))


def load_rubric(source: str | Path = DEFAULT_RUBRIC) -> AnyRubric:
    """Load a rubric of either kind by id (a file in processor/rubrics/) or by path, and check it."""
    path = Path(source)
    if not path.suffix:
        path = rubric_path(str(source))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RubricError(
            f"Không tìm thấy tệp bộ tiêu chí {path}. Các bộ tiêu chí có sẵn: "
            f"{', '.join(available_rubrics())}."
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RubricError(f"Tệp bộ tiêu chí {path} không đọc được: {exc}") from None
    kind = data.get("kind", "points") if isinstance(data, dict) else "points"
    if kind == "levels":
        return parse_levels(data, str(path))
    if kind != "points":
        raise RubricError(f"Bộ tiêu chí {path}: kind '{kind}' không có (points hoặc levels).")
    return parse_rubric(data, str(path))


def rubric_for_year(year: int) -> AnyRubric:
    """The rubric whose circular governs an evaluation year (years: in each rubric file)."""
    found = [r for r in map(load_rubric, available_rubrics()) if r.season.governs(year)]
    if len(found) != 1:
        names = ", ".join(r.id for r in found) or "không có bộ nào"
        raise RubricError(f"Năm đánh giá {year}: cần đúng một bộ tiêu chí có hiệu lực, đang có {names}; "
                          "hãy chọn bằng --rubric.")
    return found[0]


def parse_rubric(data: Any, origin: str = "bộ tiêu chí") -> Rubric:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise RubricError(f"{origin}: nội dung phải là một bảng khoá–giá trị (mapping).")
    for key in ("id", "version", "title", "legal_basis", "step", "total_max", "criteria", "bands"):
        if key not in data:
            problems.append(f"thiếu khoá bắt buộc '{key}'")
    if problems:
        raise RubricError(_report(origin, problems))

    step = _number(data["step"], "step", problems)
    if step is not None and step <= 0:
        problems.append(f"step = {step}: bước điểm phải lớn hơn 0")
        step = None
    total_max = _number(data["total_max"], "total_max", problems)
    seen: set[str] = set()
    criteria = tuple(
        _parse_criterion(raw, 0, f"criteria[{i}]", seen, step, problems)
        for i, raw in enumerate(_list(data["criteria"], "criteria", problems))
    )
    if criteria and total_max is not None:
        total = sum(c.max for c in criteria)
        if abs(total - total_max) > _TOLERANCE:
            problems.append(
                f"tổng điểm tối đa các tiêu chí cấp 1 là {format_number(total)}, "
                f"khác total_max = {format_number(total_max)}"
            )
    bands = _parse_bands(_list(data["bands"], "bands", problems), total_max, problems)
    if problems:
        raise RubricError(_report(origin, problems))
    season = parse_season(data, problems)
    if problems:
        raise RubricError(_report(origin, problems))
    return Rubric(
        season=season,
        id=str(data["id"]),
        version=str(data["version"]),
        title=str(data["title"]),
        legal_basis=" ".join(str(data["legal_basis"]).split()),
        step=float(step),  # type: ignore[arg-type]
        total_max=float(total_max),  # type: ignore[arg-type]
        criteria=criteria,
        bands=bands,
    )


def _parse_criterion(
    raw: Any, depth: int, where: str, seen: set[str], step: float | None, problems: list[str]
) -> Criterion:
    if not isinstance(raw, dict):
        problems.append(f"{where}: mỗi tiêu chí phải có id, label, max")
        return Criterion(id=where, label="", max=0.0, depth=depth)
    cid = str(raw.get("id", "")).strip()
    name = f"tiêu chí '{cid}'" if cid else where
    if not _ID_PATTERN.match(cid):
        problems.append(f"{name}: id phải gồm 1–12 chữ thường không dấu hoặc chữ số (ví dụ 3a1)")
    elif cid in seen:
        problems.append(f"{name}: id bị trùng, mỗi id chỉ được dùng một lần")
    seen.add(cid)
    label = " ".join(str(raw.get("label", "")).split())
    if not label:
        problems.append(f"{name}: thiếu nội dung (label)")
    maximum = _number(raw.get("max"), f"{name}: max", problems)
    if maximum is not None and maximum <= 0:
        problems.append(f"{name}: điểm tối đa phải lớn hơn 0")
    if maximum is not None and step is not None and not is_multiple(maximum, step):
        problems.append(f"{name}: điểm tối đa {format_number(maximum)} không phải bội số của bước "
                        f"{format_number(step)}")
    children = tuple(
        _parse_criterion(child, depth + 1, f"{name}.children[{i}]", seen, step, problems)
        for i, child in enumerate(_list(raw.get("children", []), f"{name}: children", problems))
    )
    if children and maximum is not None:
        total = sum(c.max for c in children)
        if abs(total - maximum) > _TOLERANCE:
            problems.append(
                f"nhóm {name}: điểm tối đa {format_number(maximum)} khác tổng điểm tối đa các tiêu chí "
                f"con ({format_number(total)})"
            )
    tt = " ".join(str(raw.get("tt", "")).split())
    earlier = raw.get("earlier_labels", {})
    if not isinstance(earlier, dict):
        problems.append(f"{name}: earlier_labels phải là bảng phiên bản định dạng mẫu → nội dung")
        earlier = {}
    earlier_labels = tuple((str(k), " ".join(str(v).split())) for k, v in earlier.items())
    return Criterion(id=cid, label=label, max=maximum or 0.0, children=children, depth=depth, tt=tt,
                     earlier_labels=earlier_labels)


def _parse_bands(raw_bands: list[Any], total_max: float | None, problems: list[str]) -> tuple[Band, ...]:
    bands: list[Band] = []
    for i, raw in enumerate(raw_bands):
        if not isinstance(raw, dict) or not str(raw.get("label", "")).strip():
            problems.append(f"bands[{i}]: mỗi mức xếp loại cần label, min, max")
            continue
        name = f"mức xếp loại '{raw['label']}'"
        lo = _number(raw.get("min"), f"{name}: min", problems)
        hi = _number(raw.get("max"), f"{name}: max", problems)
        if lo is None or hi is None:
            continue
        if lo >= hi:
            problems.append(f"{name}: min ({format_number(lo)}) phải nhỏ hơn max ({format_number(hi)})")
        recognised = raw.get("recognised", True)
        if not isinstance(recognised, bool):
            problems.append(f"{name}: recognised phải là true hoặc false")
            recognised = True
        bands.append(Band(label=str(raw["label"]).strip(), min=lo, max=hi, recognised=recognised))
    if not bands:
        problems.append("bands: cần ít nhất một mức xếp loại")
        return ()
    if total_max is not None and abs(bands[0].max - total_max) > _TOLERANCE:
        problems.append(
            f"mức xếp loại '{bands[0].label}': mức cao nhất phải kết thúc ở total_max "
            f"({format_number(total_max)}), không phải {format_number(bands[0].max)}"
        )
    for upper, lower in itertools.pairwise(bands):
        if abs(lower.max - upper.min) > _TOLERANCE:
            problems.append(
                f"mức xếp loại '{lower.label}': các mức phải liền nhau và sắp từ cao xuống thấp "
                f"(max {format_number(lower.max)} phải bằng min {format_number(upper.min)} của mức '{upper.label}')"
            )
    if abs(bands[-1].min) > _TOLERANCE:
        problems.append(f"mức xếp loại '{bands[-1].label}': mức thấp nhất phải bắt đầu từ 0")
    labels = [b.label for b in bands]
    for label in sorted({x for x in labels if labels.count(x) > 1}):
        problems.append(f"mức xếp loại '{label}': tên mức bị trùng")
    return tuple(bands)


def _number(value: Any, where: str, problems: list[str]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(f"{where}: phải là một số, đang là {value!r}")
        return None
    return float(value)


def _list(value: Any, where: str, problems: list[str]) -> list[Any]:
    if not isinstance(value, list):
        problems.append(f"{where}: phải là một danh sách")
        return []
    return value



def _report(origin: str, problems: list[str]) -> str:
    return f"Bộ tiêu chí {origin} không hợp lệ:\n" + "\n".join(f"  - {p}" for p in problems)
