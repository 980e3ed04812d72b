"""Text normalisation shared by roster matching, file naming and the diacritics-free search.

Vietnamese names arrive in NFC or NFD, with non-breaking or zero-width spaces pasted from
Word, and with or without diacritics; matching must see through all of that.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def nfc(text: str) -> str:
    """NFC with invisible characters removed and every run of spaces folded to one."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", text).strip()


_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(text: str) -> str:
    """NFC for free text (evidence, narrative): line breaks kept, control characters and
    invisible characters removed, so nothing unprintable reaches a workbook, a page or a log."""
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
