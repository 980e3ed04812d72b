"""Text normalisation shared by roster matching, file naming and the diacritics-free search.

Vietnamese names arrive in NFC or NFD, with non-breaking or zero-width spaces pasted from
Word, and with or without diacritics; matching must see through all of that.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional controls (U+202E can show "xslx.exe" as "exe.xlsx") are never wanted in text.
_BIDI = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
_INVISIBLE = re.compile(f"[\u200b\u200c\u200d\u2060\ufeff\u00ad{_BIDI}]")
_SPACES = re.compile(r"\s+")
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def nfc(text: str) -> str:
    """NFC with invisible characters and bidi controls removed and every run of spaces folded
    to one."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", text).strip()


_UNWANTED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff\u00ad{_BIDI}]")


def clean_text(text: str) -> str:
    """NFC for free text (evidence, narrative): line breaks kept, control characters,
    invisible characters and bidi controls removed, so nothing unprintable reaches a workbook, a page or a log."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _UNWANTED.sub("", text.replace("\r\n", "\n")).strip()


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics; đ/Đ is a letter of its own and needs explicit mapping."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def match_key(text: str) -> str:
    """The key under which two spellings of one unit name compare equal."""
    return strip_diacritics(nfc(text)).casefold()


def safe_file_stem(text: str, max_len: int = 80) -> str:
    """An ASCII file-name stem that cannot leave its folder or hit a reserved Windows name."""
    stem = _UNSAFE_FILE_CHARS.sub("_", strip_diacritics(nfc(text))).strip("._-")
    stem = re.sub(r"_+", "_", stem)[:max_len].rstrip("._-")
    if not stem:
        stem = "khong_ten"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return stem


# ---- display of file names (issue 9) -----------------------------------------------------

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def display_name(text: str) -> str:
    """A file name (or a log line) as it is shown in the workbook, the pages, the log and
    the console: exactly what is there, but nothing invisible or unencodable.

    The name itself is never normalised here, so two files whose names differ only in
    spacing still look different. Control characters appear as \\n, \\t or \\xNN, bidi
    and other invisible format characters as \\uNNNN, and bytes that were not UTF-8 (which
    os.listdir hands over as lone surrogates U+DC80–U+DCFF) as \\xNN, the byte itself; such
    a surrogate would otherwise make every UTF-8 writer raise.
    """
    if text.isprintable():
        return text
    shown: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch.isprintable():
            shown.append(ch)
        elif ch in _NAMED_ESCAPES:
            shown.append(_NAMED_ESCAPES[ch])
        elif 0xDC80 <= code <= 0xDCFF:
            shown.append(f"\\x{code - 0xDC00:02x}")
        elif code <= 0xFF:
            shown.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            shown.append(f"\\u{code:04x}")
        else:
            shown.append(f"\\U{code:08x}")
    return "".join(shown)
