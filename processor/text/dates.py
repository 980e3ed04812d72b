"""Dates as Vietnamese officials type them: dd/mm/yyyy first, ISO accepted."""

from __future__ import annotations

import re
from datetime import date, datetime

_VN = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_WORDS = re.compile(
    r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE
)


def parse_vn_date(text: str) -> date | None:
    """dd/mm/yyyy (also with . or -), yyyy-mm-dd, or 'ngày 15 tháng 01 năm 2026'; else None."""
    for pattern, order in ((_ISO, (0, 1, 2)), (_VN, (2, 1, 0)), (_WORDS, (2, 1, 0))):
        m = pattern.search(text) if pattern is _WORDS else pattern.match(text)
        if m:
            parts = [int(g) for g in m.groups()]
            try:
                return date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return None
    return None


def format_vn_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def end_of_first_quarter(year: int) -> date:
    """Units report on a year no later than the first quarter of the next (TT22, Điều 7)."""
    return date(year + 1, 3, 31)


SEASON_TURN = (2, 16)  # recognition is finished before 15/02 (TT24 Art. 10.3, 16.3)


def default_report_year(today: date | None = None) -> int:
    """The season being processed or prepared: before 16/02 the previous year (its dossiers
    are still coming in and being judged), from 16/02 the current one."""
    today = today or run_date()
    return today.year - 1 if (today.month, today.day) < SEASON_TURN else today.year


def run_date() -> date:
    """The day of the run, read from the clock in this one place so that a later option
    (or a test) can fix it for a whole batch; report dates after it are implausible."""
    return date.today()


def format_vn_moment(iso: str) -> str:
    """An ISO time with its offset as an official reads it: "09:15 ngày 10/01/2026 (UTC+0700)";
    "" for an empty or unreadable one."""
    try:
        moment = datetime.fromisoformat(iso) if iso else None
    except ValueError:
        moment = None
    if moment is None:
        return ""
    offset = f"{moment:%z}" or "không rõ múi giờ"
    return f"{moment:%H:%M ngày %d/%m/%Y} (UTC{offset})".replace("(UTC+0000)", "(UTC)")
