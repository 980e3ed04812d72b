"""Text normalisation shared by roster matching, file naming and the diacritics-free search.

Vietnamese names arrive in NFC or NFD, with non-breaking or zero-width spaces pasted from
Word, and with or without diacritics; matching must see through all of that.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from processor.text.wording import wording

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
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if _UNWANTED.search(text):  # rare: a search costs less than a substitution that changes nothing
        text = _UNWANTED.sub("", text)
    return text.strip()


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics; đ/Đ is a letter of its own and needs explicit mapping."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def match_key(text: str) -> str:
    """The key under which two spellings of one unit name compare equal."""
    return strip_diacritics(nfc(text)).casefold()


# --- Matching a unit name against the roster ---------------------------------------------
# Three keys, from strict to loose, tried in that order by processor.intake.resolve: the exact name
# (case, spacing and the two tone placements "Uỷ"/"Ủy", "Hoà"/"Hòa" aside), the same with the
# usual abbreviations written out (processor/texts/abbreviations.yaml), and that without
# diacritics. A stricter key always wins, so "Tân An" never goes to "Tấn An".

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng (combining)
_WORD_END = "(?![\\w\u0300-\u036f])"
# old-style tone on the first vowel of a final oa/oe/uy -> on the second, as in "hoà", "thuỷ"
_OLD_TONE = re.compile(f"(o)([{_TONES}])([ae])" + _WORD_END + f"|(u)([{_TONES}])(y)" + _WORD_END)
_NOT_WORD = re.compile(r"[\W_]+")
_SHORT_ABBREVIATION = 3  # letters; up to this, only the upper-case form is an abbreviation


def exact_name_key(text: str) -> str:
    """A name as written, compared without case, spacing or tone-placement differences."""
    decomposed = unicodedata.normalize("NFD", nfc(text).casefold())
    placed = _OLD_TONE.sub(lambda m: "".join(g for g in (m[1], m[3], m[2], m[4], m[6], m[5]) if g), decomposed)
    return unicodedata.normalize("NFC", placed)


def abbreviation_key(text: str) -> str:
    """The exact key with abbreviations written out and punctuation ignored, so that
    "UBND huyện Diễn Châu" and "Ủy ban nhân dân huyện Diễn Châu" compare equal."""
    expanded = _abbreviation_pattern().sub(lambda m: _abbreviations()[_abbreviation_of(m[0])], nfc(text))
    return _NOT_WORD.sub(" ", exact_name_key(expanded)).strip()


def loose_name_key(text: str) -> str:
    """The abbreviation key without diacritics: the last resort before "not in the roster"."""
    return strip_diacritics(abbreviation_key(text))


def closest_names(key: str, keys: list[str], limit: int = 3, cutoff: float = 0.75) -> list[str]:
    """The roster keys most like an unmatched one, best first, for a "did you mean" hint."""
    return difflib.get_close_matches(key, keys, n=limit, cutoff=cutoff)


@cache
def _abbreviations() -> dict[str, str]:
    data = wording("abbreviations") or {}
    return {nfc(str(short)): nfc(str(full)) for short, full in data.items()}


def _abbreviation_of(found: str) -> str:
    table = _abbreviations()
    return found if found in table else next(k for k in table if k.casefold() == found.casefold())


@cache
def _abbreviation_pattern() -> re.Pattern[str]:
    """One alternation, longest first, each a whole word; short ones upper case only."""
    parts = []
    for short in sorted(_abbreviations(), key=len, reverse=True):
        letters = sum(ch.isalpha() for ch in short)
        body = re.escape(short) if letters <= _SHORT_ABBREVIATION else f"(?i:{re.escape(short)})"
        parts.append(body)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def safe_file_stem(text: str, max_len: int = 80) -> str:
    """An ASCII file-name stem that cannot leave its folder or hit a reserved Windows name."""
    stem = _UNSAFE_FILE_CHARS.sub("_", strip_diacritics(nfc(text))).strip("._-")
    stem = re.sub(r"_+", "_", stem)[:max_len].rstrip("._-")
    if not stem:
        stem = "khong_ten"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return stem


def unique_file_names(stems: Iterable[str], suffix: str, taken: Iterable[str] = ()) -> list[str]:
    """<stem><suffix> per stem, in order, never two alike (compared case-insensitively, as
    Windows and macOS disks do): a repeated stem gets -2, -3… So one unit never receives
    another's file however their codes fold."""
    seen = {name.casefold() for name in taken}
    names = []
    for stem in stems:
        name, n = f"{stem}{suffix}", 2
        while name.casefold() in seen:
            name, n = f"{stem}-{n}{suffix}", n + 1
        seen.add(name.casefold())
        names.append(name)
    return names


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


def display_path(rel: str) -> str:
    """A file's relative path as shown: display_name, and a note when it is not written in
    NFC (a name from a Mac or a zip), so that two files whose names differ only in that
    form are told apart on screen as they are on disk."""
    shown = display_name(rel)
    if not rel.isascii() and not unicodedata.is_normalized("NFC", rel.encode("utf-8", "surrogateescape")
                                                            .decode("utf-8", "replace")):
        shown += " (dạng NFD)"
    return shown
