"""Row heights of wrapped text (processor/report/printing.py): the bounds that settle most
texts at once must give the count of wrapping word by word, for any text and any width."""

from __future__ import annotations

import random

import pytest

from processor.report.printing import LINE_HEIGHT, _counted_breaks, _room, lines, row_height


def _word_by_word(text: str, width: float) -> int:
    room = _room(width)
    return sum(1 + (_counted_breaks(part, room) if len(part) > room else 0) for part in text.split("\n"))


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("ngắn", 10, 1),
    ("một hai ba bốn năm sáu bảy", 10, 3),  # room 10.7: "một hai ba" | "bốn năm" | "sáu bảy"
    ("MỘT HAI BA BỐN NĂM SÁU BẢY", 10, 4),  # capitals weigh 1.4: "MỘT HAI" | "BA BỐN" | "NĂM SÁU" | "BẢY"
    ("a" * 25, 10, 3),  # a word longer than the column is broken where it fills a line
    ("một\nhai", 10, 2),
    ("một          hai", 5, 2),  # spaces between words are one when wrapped
    (" " * 40, 10, 1),
    ("😀" * 11, 10, 2),  # beyond the BMP: counted as a possible capital, then word by word
    ("😀😀😀😀" + " " * 3 + "😀😀😀😀😀", 10, 1),
])
def test_lines_known_texts(text, width, expected):
    assert lines.__wrapped__(text, width) == expected


def test_lines_is_word_by_word_wrapping_for_any_text_and_width():
    rng = random.Random(20261202)
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊỲỄXYZ0123456789,.-/()\u00a0\tǅⒶⓐϒ𝐀😀"
    widths = [24, 70, 28, 15, 9, 11, 26, 88 * 11 / 12, 24 * 0.9, 70 * 0.8, 7, 1, 0.3]
    for _ in range(20000):
        text = "".join(rng.choice(letters) if rng.random() < 0.85 else rng.choice(" \n ")
                       for _ in range(rng.randint(0, 300)))
        if rng.random() < 0.1:
            text = "X" * rng.randint(1, 150) + " " + text
        width = rng.choice([*widths, rng.uniform(0.1, 120)])
        assert lines.__wrapped__(text, width) == _word_by_word(text, width), (text, width)


def test_lines_at_the_edge_of_one_break():
    """Texts one letter or one capital either side of the room of one and of two lines."""
    width = 20  # room 21.9
    for n in range(15, 50):
        for text in ("a" * n, "a " * (n // 2), "Ab " * (n // 3), "ab cd " * (n // 6) + "EFGH"):
            assert lines.__wrapped__(text, width) == _word_by_word(text, width), (text, width)


def test_row_height_fits_the_tallest_cell():
    assert row_height([("ngắn", 10)]) is None
    assert row_height([("ngắn", 10), ("một hai ba bốn năm sáu bảy", 10)]) == 3 * LINE_HEIGHT + 2
