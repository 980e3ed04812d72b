"""Row heights of wrapped text (processor/report/printing.py): the bounds that settle most
texts at once must give the count of wrapping word by word, for any text and any width."""

from __future__ import annotations

import random

import pytest

from processor.report.printing import LINE_HEIGHT, lines, row_height


def _word_by_word(text: str, width: float) -> int:
    """The wrapping rule written out on its own, letter sizes and all (as printing.lines had it
    before the bounds): the reference the bounds must agree with."""
    room = max(1.0, width * 1.12 - 0.5)
    n = 0
    for part in text.split("\n"):
        n += 1
        if len(part) <= room:
            continue
        used = 0.0
        for word in part.split():
            size = len(word) + sum(map(str.isupper, word)) * 0.4
            if used and used + 1 + size > room:
                n += 1
                used = 0.0
            if size > room:
                extra = int(size // room)
                n += extra
                size -= extra * room
            used += (1 if used else 0) + size
    return n


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
        # a room within a hair of a whole number of fifths takes the word-by-word way
        near = (rng.randint(5, 600) / 5 + 0.5 + rng.choice([0, 1e-9, -1e-9, 1e-7, 2e-6])) / 1.12
        width = rng.choice([*widths, rng.uniform(0.1, 120), near])
        assert lines.__wrapped__(text, width) == _word_by_word(text, width), (text, width)


def test_lines_at_the_edge_of_one_break():
    """Texts one letter or one capital either side of the room of one and of two lines."""
    width = 20  # room 21.9
    for n in range(15, 50):
        for text in ("a" * n, "a " * (n // 2), "Ab " * (n // 3), "ab cd " * (n // 6) + "EFGH"):
            assert lines.__wrapped__(text, width) == _word_by_word(text, width), (text, width)


def test_lines_of_an_unbounded_column():
    assert lines.__wrapped__("một hai ba", float("inf")) == 1
    assert lines.__wrapped__("một\nhai", 1e308) == 2


def test_row_height_fits_the_tallest_cell():
    assert row_height([("ngắn", 10)]) is None
    assert row_height([("ngắn", 10), ("một hai ba bốn năm sáu bảy", 10)]) == 3 * LINE_HEIGHT + 2
