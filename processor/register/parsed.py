"""Parsed files kept in the register, so that a re-run does not parse an unchanged file again.

A row is keyed by the SHA-256 of the file's bytes and by the run's context: everything else the
per-file step's record depends on (the tool's version and the fingerprint of its code and texts,
the rubric, the template formats, the season's year, deadline and tier, the reading limits). The
run date is not in the key: the row says the day it was made, and the caller decides whether the
findings would be the same today (processor.intake.checks.same_findings_on).

The record is stored without its path (the file's rel and every finding's file, which is that
path), re-attached with the file's mtime on the way out, so a file moved or renamed is found too;
a record whose text holds its path anywhere else is not stored. Rows are JSON, compressed, with a
format tag, never pickles: the register is a file anyone can hand us, so a row that does not
decode to exactly the record's shape is a miss, never an error.

Growth: rows unused for PRUNE_AFTER_DAYS are deleted whenever rows are stored, and the table
keeps at most MAX_ROWS rows (the least recently used go first).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import processor
from processor.model.batch import CheckContext
from processor.model.issues import Issue
from processor.model.layout import known_format_versions
from processor.model.level_layout import LEVELS_FORMAT_VERSION
from processor.model.records import FileResult, IndicatorEntry, LevelEntries
from processor.model.statuses import Severity
from processor.register.db import DEFAULT_TIMEOUT, RegisterError, Validity, open_register

FORMAT = "dvht-parsed-1"  # bump when the record's encoding changes: older rows become misses
PRUNE_AFTER_DAYS = 400  # a season and its late corrections
MAX_ROWS = 50_000  # about five seasons of a large province
_MAX_RECORD_BYTES = 8 * 1024 * 1024  # a decompressed row larger than this is not ours
_QUERY_CHUNK = 500  # SQLite's bound parameters per statement stay well under its limit


@dataclass(frozen=True)
class Row:
    computed_on: str  # ISO date of the run that parsed the file
    record: bytes


@cache
def code_fingerprint() -> str:
    """SHA-256 of the tool's code and texts: a change to a rule or a message (even without a new
    version number) makes every cached record a miss instead of a stale answer."""
    root = Path(processor.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".yaml") and p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def parsed_context(ctx: CheckContext) -> str:
    """The key of everything but the bytes and the run date that the per-file step reads."""
    rubric = ctx.rubric
    parts = {
        "format": FORMAT, "tool": processor.__version__, "code": code_fingerprint(),
        "rubric": [rubric.id, rubric.version, hashlib.sha256(repr(rubric).encode("utf-8")).hexdigest()],
        "template_formats": [*known_format_versions(), LEVELS_FORMAT_VERSION],
        "year": ctx.year, "deadline": ctx.deadline.isoformat() if ctx.deadline else None, "tier": ctx.tier,
        "limits": asdict(ctx.limits),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("ascii")).hexdigest()


# ---- the record, as data ----------------------------------------------------------------------

def encode_record(result: FileResult) -> bytes | None:
    """The record without its path, or None when it cannot be stored faithfully (a finding
    about another file, the path inside its text, a value that is not exactly of the record's
    types, which JSON would not give back as it was: a datetime, an int key, a float subclass)."""
    if not result.sha256 or any(i.file != result.rel for i in result.issues):
        return None
    levels = result.levels
    data = [FORMAT, result.size, result.sha256, result.identity, _date_out(result.report_date), result.scores,
            result.evidence, result.narrative,
            [[i.code, str(i.severity), i.sheet, i.cell, i.message, [list(p) for p in i.params]] for i in result.issues],
            result.identifiable,
            None if levels is None else [
                levels.kind, levels.level_asked, levels.members, levels.learners, levels.prior_level,
                levels.prior_decision, _date_out(levels.prior_date),
                [[k, e.judged, e.count, e.evidence] for k, e in levels.indicators.items()]]]
    try:
        # the checks a row gets on the way back, on the way in: what is stored is what a cold parse gave
        if _from_data(data, result.rel, result.mtime) is None or type(result.report_date) not in _DATES or (
                levels is not None and type(levels.prior_date) not in _DATES):
            return None
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    if result.rel and json.dumps(result.rel, ensure_ascii=False)[1:-1] in text:
        return None  # the path shows inside the record: re-attaching it under another name would lie
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def decode_record(packed: object, rel: str, mtime: float) -> FileResult | None:
    """The record of a row, with the file's path and mtime; None for anything that is not
    exactly a record this version wrote (a crafted or damaged register costs a parse only)."""
    text = inflate_record(packed)
    return None if text is None else record_from_text(text, rel, mtime)


def inflate_record(packed: object) -> str | None:
    """A row's JSON text (None when it is not a whole zlib stream of at most
    _MAX_RECORD_BYTES). Apart from record_from_text because a re-run inflates in its helper
    processes and builds the records in the parent (processor.pipeline._reused)."""
    try:
        if not isinstance(packed, bytes):
            return None
        inflate = zlib.decompressobj()
        text = inflate.decompress(packed, _MAX_RECORD_BYTES)
        if inflate.unconsumed_tail or inflate.unused_data or not inflate.eof:
            return None
        return text.decode("utf-8", "surrogatepass")
    except (ValueError, zlib.error, MemoryError):
        return None


def record_from_text(text: str, rel: str, mtime: float) -> FileResult | None:
    """The record of a row's JSON text (inflate_record), or None, as decode_record."""
    try:
        return _from_data(json.loads(text), rel, mtime, keys_are_text=True)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, MemoryError):
        return None


_DATES = (date, type(None))
_SEVERITIES = {s.value: s for s in Severity}
_STR = {str}
_SCORE = {float, int, type(None)}
_OPT_INT = {int, type(None)}


def _from_data(data: Any, rel: str, mtime: float, keys_are_text: bool = False) -> FileResult | None:
    """The record from its decoded rows, checking every value's exact type on the way
    (TypeError, KeyError or ValueError when one is not what a record holds). keys_are_text:
    the rows come from JSON, whose object keys are always text (a re-run decodes 10,000)."""
    if type(data) is not list or len(data) != 11 or data[0] != FORMAT:
        return None
    _, size, sha256, identity, report_date, scores, evidence, narrative, issues, identifiable, levels = data
    if type(size) is not int or type(sha256) is not str or type(identifiable) is not bool:
        raise TypeError("not a record")
    keys = not keys_are_text
    _mapping(identity, _STR, keys)
    _mapping(evidence, _STR, keys)
    _mapping(narrative, _STR, keys)
    _mapping(scores, _SCORE, keys)
    found = []
    for code, severity, sheet, cell, message, params in _list(issues):
        # plain type tests, not sets of types: a re-run decodes ~40 findings per file
        if type(code) is not str or type(sheet) is not str or type(cell) is not str or type(message) is not str:
            raise TypeError("not a finding")
        pairs = tuple(map(tuple, _list(params)))
        for k, v in pairs:  # exactly two strings each
            if type(k) is not str or type(v) is not str:
                raise TypeError("not a finding's parameter")
        found.append(Issue(code, _SEVERITIES[severity], rel, sheet, cell, message, pairs))
    return FileResult(rel=rel, size=size, sha256=sha256, mtime=mtime, identity=identity,
                      report_date=_date_in(report_date), scores=scores, evidence=evidence, narrative=narrative,
                      issues=tuple(found), identifiable=identifiable,
                      levels=None if levels is None else _levels(levels))


def _levels(item: Any) -> LevelEntries:
    kind, asked, members, learners, prior, decision, prior_date, indicators = _list(item, 8)
    if type(kind) is not str or type(decision) is not str or any(
            v is not None and type(v) is not int for v in (asked, members, learners, prior)):
        raise TypeError("not a dossier's figures")
    entries: dict[str, IndicatorEntry] = {}
    # plain type tests, as for the findings: ~40 indicators per dossier
    for entry in _list(indicators):
        if type(entry) is not list or len(entry) != 4:
            raise TypeError("not an indicator")
        key, judged, count, evidence = entry
        if type(key) is not str or type(judged) is not str or type(evidence) is not str or (
                count is not None and type(count) is not int):
            raise TypeError("not an indicator")
        entries[key] = IndicatorEntry(judged, count, evidence)
    return LevelEntries(kind=kind, level_asked=asked, members=members, learners=learners, prior_level=prior,
                        prior_decision=decision, prior_date=_date_in(prior_date), indicators=entries)


def _date_out(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_in(value: Any) -> date | None:
    if value is None:
        return None
    if type(value) is not str:
        raise TypeError("not a date")
    return date.fromisoformat(value)


def _list(value: Any, length: int | None = None) -> list[Any]:
    if type(value) is not list or (length is not None and len(value) != length):
        raise TypeError("not a list of the expected length")
    return value


def _mapping(value: Any, types: set[type], keys: bool = True) -> None:
    if type(value) is not dict or (keys and not set(map(type, value)) <= _STR) or \
            not set(map(type, value.values())) <= types:
        raise TypeError("not a mapping of the expected types")


# ---- the table ---------------------------------------------------------------------------------

def has_parsed(path: Path, validity: Validity, context: str, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Whether any file was stored under this context (else a run need not hash its files first)."""
    if not path.exists():
        return False
    with open_register(path, validity, timeout=timeout) as con:
        return con.execute("SELECT 1 FROM parsed_files WHERE context = ? LIMIT 1", (context,)).fetchone() is not None


def lookup_parsed(path: Path, validity: Validity, context: str, digests: Iterable[str],
                  timeout: float = DEFAULT_TIMEOUT) -> dict[str, Row]:
    """The stored rows of these SHA-256 digests under this context."""
    wanted = sorted(set(digests))
    if not wanted or not path.exists():
        return {}
    found: dict[str, Row] = {}
    with open_register(path, validity, timeout=timeout) as con:
        for start in range(0, len(wanted), _QUERY_CHUNK):
            chunk = wanted[start:start + _QUERY_CHUNK]
            marks = ",".join("?" * len(chunk))
            for sha, computed_on, record in con.execute(
                    f"SELECT sha256, computed_on, record FROM parsed_files WHERE context = ? AND sha256 IN ({marks})",
                    (context, *chunk)):
                if isinstance(computed_on, str):
                    found[sha] = Row(computed_on, record)
    return found


def store_parsed(path: Path, validity: Validity, context: str, today: date, new: Iterable[tuple[str, bytes]],
                 used: Iterable[str], timeout: float = DEFAULT_TIMEOUT) -> None:
    """Add the records just parsed (sha256, record), mark the ones reused as used today, and
    prune: rows unused for PRUNE_AFTER_DAYS, then the least recently used beyond MAX_ROWS."""
    day = today.isoformat()
    try:
        with open_register(path, validity, write=True, timeout=timeout) as con:
            con.executemany(
                "INSERT OR REPLACE INTO parsed_files (sha256, context, computed_on, record, last_used) "
                "VALUES (?, ?, ?, ?, ?)", [(sha, context, day, record, day) for sha, record in new])
            con.executemany("UPDATE parsed_files SET last_used = ? WHERE sha256 = ? AND context = ? AND last_used < ?",
                            [(day, sha, context, day) for sha in used])
            con.execute("DELETE FROM parsed_files WHERE last_used < ?",
                        ((today - timedelta(days=PRUNE_AFTER_DAYS)).isoformat(),))
            con.execute("DELETE FROM parsed_files WHERE rowid IN (SELECT rowid FROM parsed_files "
                        "ORDER BY last_used DESC, rowid DESC LIMIT -1 OFFSET ?)", (MAX_ROWS,))
    except sqlite3.Error as exc:  # open_register turns most into RegisterError; the rest too
        raise RegisterError(f"Không ghi được cơ sở dữ liệu {path}: {exc}.") from None
