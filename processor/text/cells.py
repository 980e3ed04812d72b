"""Text into an xlsxwriter cell, as text and nothing else.

xlsxwriter treats a string that starts with "<r>" and ends with "</r>" as a rich string it
built itself and copies it into the file's XML unescaped (in both its shared-string and its
constant-memory paths). A unit that types that shape would inject formatting markup, or make
Excel repair the file. Such a string is written as a rich string of plain runs instead, which
xlsxwriter escapes run by run: the cell holds exactly the characters typed.
"""

from __future__ import annotations

from typing import Any


def looks_rich(text: str) -> bool:
    return text.startswith("<r>") and text.endswith("</r>")


def write_text(ws: Any, row: int, col: int, text: str, fmt: Any = None) -> None:
    """ws.write_string, except that rich-looking text stays text (see the module's note)."""
    if looks_rich(text):
        ws.write_rich_string(row, col, text[0], text[1], text[2:], *([fmt] if fmt is not None else []))
    else:
        ws.write_string(row, col, text, fmt)
