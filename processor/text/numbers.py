"""Numbers as Vietnamese officials read and type them: a decimal comma, full-width digits
from some input methods, and the integer comparison of a percentage against a threshold."""

from __future__ import annotations

import math
import re
import unicodedata

from processor.text.normalise import nfc

_NUMBER_TEXT = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def format_number(value: float) -> str:
    """A number as Vietnamese readers write it: 7,5 — and 10, not 10.0."""
    return f"{value:g}".replace(".", ",")


def number_from_text(text: str) -> float | None:
    """A number typed as text ("7,5", " 10 "); NFKC first, so full-width digits and
    punctuation typed with a Japanese or Chinese input method ("８．５") are the number they
    look like. None when the text is not one number."""
    cleaned = unicodedata.normalize("NFKC", nfc(text)).replace(" ", "")
    if not _NUMBER_TEXT.match(cleaned):
        return None
    value = float(cleaned.replace(",", "."))
    return value if math.isfinite(value) else None


def percent(count: int, denominator: int) -> str:
    """A share as officials read it: whole when whole, else one decimal, never rounded up
    past a threshold (94,9 % is not shown as 95 %)."""
    tenths = 1000 * count // denominator
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10},{tenths % 10}"
