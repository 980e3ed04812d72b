"""How the workbooks we write come out on paper: one page setup for every sheet of the
consolidated and the council workbook, and the row heights wrapped text needs.

A department prints these sheets (issue 16.1: 71 portrait pages for 40 units, a table five
pages wide, wrapped names printed over the next row). So every sheet is A4, landscape when
its table is wider than a portrait page, scaled to one page wide, with the table's header
row repeated on every page, the sheet name and the workbook's title in the page header (a
stack of printed pages says what each one is) and "Trang x/y" in the footer.

Neither Excel nor LibreOffice grows a row to fit wrapped text written by xlsxwriter, so a
row whose text wraps gets a height here: estimated from the text's length and the column's
width (no font metrics, a few operations per wrapped cell), rounded up so that the text
always fits; a row is never given less than the default height.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache, lru_cache

from xlsxwriter.worksheet import Worksheet

A4 = 9
# Printable width of an A4 page in column-width units (characters of the default font), with
# the margins below: beyond it a sheet is printed landscape.
PORTRAIT_WIDTH = 105
LINE_HEIGHT = 15.0  # points per line of 11-point text
FONT = {"font_name": "Times New Roman", "font_size": 11}  # metrics every LibreOffice has (Liberation Serif)


def page_setup(ws: Worksheet, *, widths: Sequence[float], title: str, header_row: int | None = None,
               landscape: bool | None = None, area: tuple[int, int] | None = None) -> None:
    """The print settings of a sheet: widths are its printed columns' widths, header_row the
    table's header (repeated on every page), landscape None for "when wider than a portrait
    page", area (last row, last column) a print area that leaves out the columns after it."""
    ws.set_paper(A4)
    if landscape is None:
        landscape = sum(widths) > PORTRAIT_WIDTH
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.4, top=0.75, bottom=0.6)
    ws.set_header(f"&L&8&A&R&8{_escape(title)}", {"margin": 0.3})
    ws.set_footer("&C&9Trang &P/&N", {"margin": 0.3})
    if header_row is not None:
        ws.repeat_rows(header_row)
    if area is not None:
        ws.print_area(0, 0, *area)


def _escape(text: str) -> str:
    return text.replace("&", "&&")


def _room(width: float) -> float:
    return max(1.0, width * 1.12 - 0.5)


def wraps(text: str, width: float) -> bool:
    """Whether `text` can need a second line in a column `width` wide: the cheap test that
    spares the row loops (170,000 evidence rows) a call to row_height for short cells."""
    return len(text) > _room(width) or "\n" in text


@lru_cache(maxsize=65536)
def lines(text: str, width: float) -> int:
    """How many lines `text` takes in a wrapped cell `width` characters wide, wrapped word by
    word as Excel and LibreOffice do: a little more than they need (an average letter of
    Times New Roman is narrower than the digit a column's width is counted in; capitals
    are wider), so that the text always fits. Cached: the council workbook asks for each
    criterion's wording once per unit, 170,000 times at 10,000 units."""
    room = _room(width)
    # In fifths of a letter every size is a whole number (a capital counts 1.4, see
    # _counted_breaks): bounds on them settle a text of one or two lines without a look at each
    # word, exactly. Word by word instead: a room within a hair of a whole number of fifths (a
    # precaution: the old sums' rounding could decide a tie there; no text found where it
    # does), an unbounded one, and longer texts (the bounds would seldom settle them).
    fifths = room * _FIFTHS
    bounded = math.isfinite(fifths) and abs(fifths - round(fifths)) > 1e-6
    n = 0
    for part in text.split("\n"):
        n += 1
        if len(part) > room:
            breaks = _bounded_breaks(part, fifths) if bounded and len(part) <= 2 * room else None
            n += _counted_breaks(part, room) if breaks is None else breaks
    return n


_FIFTHS = 5
_CAPITAL = 2  # fifths a capital weighs more than another letter (1.4 letters)


def _bounded_breaks(part: str, fifths: float) -> int | None:
    """The line breaks `part` needs in `fifths` fifths of a letter when none or one, found
    from the words' total and the longest word; None when the bounds do not settle it.

    Greedy wrapping breaks before a word that does not fit, so the first line is wider than
    the room less that word and its space: what is left is narrower than the total less the
    room plus the longest word. When that fits, there is exactly one break."""
    words = part.split()
    lengths = sum(map(len, words))
    capitals = len(_capitals().findall(part)) if not part.islower() else 0  # at most this many
    shortest = _FIFTHS * (lengths + len(words) - 1)  # the words one space apart, no capital counted
    total = shortest + _CAPITAL * capitals
    if total <= fifths:
        return 0
    if shortest <= fifths:
        return None
    longest = max(map(len, words))
    widest = min((_FIFTHS + _CAPITAL) * longest, _FIFTHS * longest + _CAPITAL * capitals)
    if widest <= fifths and total + widest <= 2 * fifths:
        return 1
    return None


@cache
def _capitals() -> re.Pattern[str]:
    """Every character str.isupper calls a capital, and any character beyond the BMP (a few are):
    one regex scan instead of a method call per letter (2 µs instead of 4 for a sentence)."""
    chars = [c for c in range(0x10000) if chr(c).isupper()]
    ranges, start = [], chars[0]
    for prev, c in zip(chars, [*chars[1:], -1], strict=True):
        if c != prev + 1:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
            start = c
    return re.compile(f"[{''.join(ranges)}\U00010000-\U0010ffff]")


def _counted_breaks(part: str, room: float) -> int:
    """The line breaks `part` needs in `room` letters, word by word: any word, any room."""
    n = 0
    used = 0.0
    for word in part.split():
        # islower: no capital at all, the common case, without a look at each letter
        size = len(word) if word.islower() else len(word) + sum(map(str.isupper, word)) * 0.4
        if used and used + 1 + size > room:
            n += 1
            used = 0.0
        if size > room:  # a word longer than the column is broken where it fills a line
            extra = int(size // room)
            n += extra
            size -= extra * room
        used += (1 if used else 0) + size
    return n


def row_height(texts: Sequence[tuple[str, float]], bold: bool = False) -> float | None:
    """The height a row needs for its wrapped (text, column width) cells, None for one line."""
    most = max((lines(text, width * (0.9 if bold else 1.0)) for text, width in texts if text), default=1)
    return LINE_HEIGHT * most + 2 if most > 1 else None
