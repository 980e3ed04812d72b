"""Which evaluation years a circular governs and when its dossiers are due: the part of a
rubric every stage asks about, whatever the rubric's kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from processor.model.errors import RubricError


@dataclass(frozen=True)
class Season:
    first_year: int | None  # None: no lower bound
    last_year: int | None  # None: still in force
    deadline_day: int  # the last day on time, in the year after the evaluation year
    deadline_month: int
    note: str = ""  # how the circular stands, e.g. "đã bị bãi bỏ từ ngày 26/01/2024 (…)"

    def governs(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (self.last_year is None
                                                                         or year <= self.last_year)

    def deadline_for(self, year: int) -> date:
        return date(year + 1, self.deadline_month, self.deadline_day)

    @property
    def years_text(self) -> str:
        """The years as an official writes them: "từ năm 2024", "đến năm 2023"."""
        if self.first_year and self.last_year:
            return f"năm {self.first_year}–{self.last_year}"
        if self.first_year:
            return f"từ năm {self.first_year}"
        return f"đến năm {self.last_year}" if self.last_year else "mọi năm"


def parse_season(data: dict[str, Any], problems: list[str]) -> Season:
    """years: {from: Y} and/or {to: Y}; deadline: {day, month} of the next year."""
    years = data.get("years") or {}
    deadline = data.get("deadline") or {}
    if not isinstance(years, dict) or not isinstance(deadline, dict):
        problems.append("years và deadline phải là bảng khoá–giá trị, ví dụ years: {from: 2024}")
        return Season(None, None, 31, 3)
    first, last = years.get("from"), years.get("to")
    for name, value in (("years.from", first), ("years.to", last)):
        if value is not None and (not isinstance(value, int) or not 2000 <= value <= 2100):
            problems.append(f"{name} = {value!r}: phải là một năm từ 2000 đến 2100")
    day, month = deadline.get("day", 31), deadline.get("month", 3)
    try:
        date(2001, month, day)
    except (TypeError, ValueError):
        problems.append(f"deadline = {deadline!r}: ngày và tháng không hợp lệ")
        day, month = 31, 3
    return Season(first if isinstance(first, int) else None, last if isinstance(last, int) else None, day, month,
                  " ".join(str(data.get("status_note") or "").split()))


def check_season(data: dict[str, Any], origin: str) -> Season:
    problems: list[str] = []
    season = parse_season(data, problems)
    if problems:
        raise RubricError(f"Bộ tiêu chí {origin} không hợp lệ:\n" + "\n".join(f"  - {p}" for p in problems))
    return season
