"""Read and write the register: what a run needs before it judges (recognitions, the previous
run of its season), what it leaves after it (the run, its files, its results), and the
recognitions a department imports or a decision grants.

Every function takes the register's path and opens it itself (processor.register.db), so a
write is one transaction under the write lock and a reader never sees half a run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from processor.model.register import (
    Arrival,
    IssueRecord,
    PreviousRun,
    Recognition,
    RegisterView,
    RunRecord,
    SentRecord,
    UnitRecord,
)
from processor.register.db import DEFAULT_TIMEOUT, RegisterError, Validity, open_register

_RECOGNITION_COLUMNS = ("unit_code, unit_name, year, rubric, level, class, decision, decision_date, valid_through, "
                        "source")


def load_view(path: Path, validity: Validity, year: int, rubric: str,
              timeout: float = DEFAULT_TIMEOUT) -> RegisterView:
    """Every recognition (newest first per unit) and the last run of this season; an empty
    view when there is no register yet (reading never creates it: the run's record does)."""
    if not path.exists():
        return RegisterView(path=path)
    with open_register(path, validity, timeout=timeout) as con:
        recognitions: dict[str, list[Recognition]] = {}
        for row in con.execute(f"SELECT unit_key, {_RECOGNITION_COLUMNS} FROM recognitions "
                               "ORDER BY unit_key, year DESC, decision_date DESC"):
            recognitions.setdefault(row[0], []).append(_recognition(row[1:]))
        previous = _previous_run(con, year, rubric)
    return RegisterView(path=path, recognitions={k: tuple(v) for k, v in recognitions.items()}, previous=previous)


def _path_in(rel: str) -> str | bytes:
    """A path as the register stores it: text, or the raw bytes of a name that is not UTF-8
    (kept exactly, so the next run still knows the file; see records.FoundFile.rel)."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape")


def _path_out(value: str | bytes) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def _recognition(row: tuple) -> Recognition:
    code, name, year, rubric, level, klass, decision, decided, valid_through, source = row
    return Recognition(unit_code=code, unit_name=name, year=year, rubric=rubric, level=level, klass=klass or "",
                       decision=decision, decision_date=date.fromisoformat(decided) if decided else None,
                       valid_through=valid_through, source=source)


def _previous_run(con: sqlite3.Connection, year: int, rubric: str) -> PreviousRun | None:
    found = con.execute("SELECT id, started_at FROM runs WHERE year = ? AND rubric = ? ORDER BY id DESC LIMIT 1",
                        (year, rubric)).fetchone()
    if found is None:
        return None
    run_id, started = found
    files = {_path_out(path): sha for path, sha in con.execute(
        "SELECT f.path, f.sha256 FROM run_files rf JOIN files f ON f.id = rf.file_id WHERE rf.run_id = ?", (run_id,))}
    units, unit_files, names = {}, {}, {}
    for key, status, file, code, name in con.execute(
            "SELECT unit_key, status, file, unit_code, unit_name FROM unit_results WHERE run_id = ?", (run_id,)):
        units[key] = status
        names[key] = f"{code} {name}".strip()
        if file:
            unit_files[key] = _path_out(file)
    return PreviousRun(run_id=run_id, started_at=started, files=files, units=units, unit_files=unit_files,
                       names=names)


def record_run(path: Path, validity: Validity, run: RunRecord, timeout: float = DEFAULT_TIMEOUT) -> int:
    """The run, every file it saw (first and last seen kept across runs) and every unit's result."""
    with open_register(path, validity, write=True, timeout=timeout) as con:
        cursor = con.execute(
            "INSERT INTO runs (started_at, finished_at, year, rubric, tier, input_dir, options, files, units, valid, "
            "to_fix, missing, covered, tool_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run.started_at, run.finished_at, run.year, run.rubric, run.tier, _path_in(run.input_dir), run.options,
             len(run.files), len(run.units), _count(run.units, "valid"), _count(run.units, "to_fix"),
             _count(run.units, "missing"), _count(run.units, "covered"), run.tool_version))
        run_id = int(cursor.lastrowid or 0)
        for f in run.files:
            con.execute(
                "INSERT INTO files (year, rubric, path, sha256, size, first_seen, last_seen, first_run, last_run, "
                "last_outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (year, rubric, path, sha256) DO UPDATE SET last_seen = excluded.last_seen, "
                "last_run = excluded.last_run, last_outcome = excluded.last_outcome",
                (run.year, run.rubric, _path_in(f.rel), f.sha256, f.size, run.started_at, run.started_at, run_id,
                 run_id, f.outcome))
            file_id = con.execute("SELECT id FROM files WHERE year = ? AND rubric = ? AND path = ? AND sha256 = ?",
                                  (run.year, run.rubric, _path_in(f.rel), f.sha256)).fetchone()[0]
            con.execute("INSERT OR REPLACE INTO run_files (run_id, file_id, outcome, unit_key) VALUES (?, ?, ?, ?)",
                        (run_id, file_id, f.outcome, f.unit_key))
        con.executemany(
            "INSERT OR REPLACE INTO unit_results (run_id, unit_key, unit_code, unit_name, unit_group, status, file, "
            "self_result, final_result, final_rank, finality, unmet, scores, page, email) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, u.key, u.code, u.name, u.group, u.status, _path_in(u.file), u.self_result, u.final_result,
              u.final_rank, u.finality, u.unmet, u.scores, u.page, u.email) for u in run.units])
        con.executemany(
            "INSERT OR REPLACE INTO unit_issues (run_id, unit_key, seq, severity, code, file, sheet, cell, message) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, u.key, n, i.severity, i.code, _path_in(i.file), i.sheet, i.cell, i.message)
             for u in run.units for n, i in enumerate(u.issues)])
    return run_id


def _count(units: Iterable[UnitRecord], status: str) -> int:
    return sum(1 for u in units if u.status == status)


@dataclass(frozen=True)
class Stored:
    """What adding recognitions did: added, already there identically, and the conflicts
    (an existing record for the same unit and year that says something else)."""

    added: tuple[Recognition, ...] = ()
    unchanged: tuple[Recognition, ...] = ()
    conflicts: tuple[tuple[Recognition, Recognition], ...] = ()  # (new, existing)


def add_recognitions(path: Path, validity: Validity, recognitions: Iterable[Recognition], recorded_at: str,
                     timeout: float = DEFAULT_TIMEOUT) -> Stored:
    """All or nothing: when one recognition conflicts with the register, none is added."""
    added, unchanged, conflicts = [], [], []
    with open_register(path, validity, write=True, timeout=timeout) as con:
        for new in recognitions:
            row = con.execute(f"SELECT {_RECOGNITION_COLUMNS} FROM recognitions WHERE unit_key = ? AND year = ?",
                              (new.key, new.year)).fetchone()
            if row is not None:
                old = _recognition(row)
                if _same(old, new):
                    unchanged.append(new)
                else:
                    conflicts.append((new, old))
                continue
            con.execute(
                f"INSERT INTO recognitions (unit_key, {_RECOGNITION_COLUMNS}, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new.key, new.unit_code, new.unit_name, new.year, new.rubric, new.level, new.klass, new.decision,
                 new.decision_date.isoformat() if new.decision_date else None, new.valid_through, new.source,
                 recorded_at))
            added.append(new)
        if conflicts:
            raise _Conflicts(Stored(tuple(added), tuple(unchanged), tuple(conflicts)))
    return Stored(tuple(added), tuple(unchanged), ())


class _Conflicts(Exception):
    """Raised inside the transaction so that it rolls back; caught by the caller of add_recognitions."""

    def __init__(self, stored: Stored) -> None:
        super().__init__("conflicts")
        self.stored = stored


def store_recognitions(path: Path, validity: Validity, recognitions: Iterable[Recognition], recorded_at: str,
                       timeout: float = DEFAULT_TIMEOUT) -> Stored:
    """add_recognitions, returning the conflicts instead of raising (nothing added then)."""
    try:
        return add_recognitions(path, validity, recognitions, recorded_at, timeout)
    except _Conflicts as conflict:
        return Stored((), conflict.stored.unchanged, conflict.stored.conflicts)


def _same(a: Recognition, b: Recognition) -> bool:
    return (a.rubric, a.level, a.klass, a.decision, a.decision_date) == (b.rubric, b.level, b.klass, b.decision,
                                                                         b.decision_date)


def season_results(path: Path, validity: Validity, year: int, rubric: str,
                   timeout: float = DEFAULT_TIMEOUT) -> tuple[int, tuple[UnitRecord, ...]]:
    """The last run of a season and every unit's result in it; RegisterError when none."""
    with open_register(path, validity, timeout=timeout) as con:
        found = con.execute("SELECT id FROM runs WHERE year = ? AND rubric = ? ORDER BY id DESC LIMIT 1",
                            (year, rubric)).fetchone()
        if found is None:
            raise RegisterError(f"Cơ sở dữ liệu {path} chưa có lần chạy tổng hợp nào của năm {year} "
                                f"(bộ tiêu chí {rubric}); hãy chạy lệnh process của đợt này trước.")
        rows = con.execute(
            "SELECT unit_key, unit_code, unit_name, unit_group, status, file, self_result, final_result, final_rank, "
            "finality, unmet, scores, page, email FROM unit_results WHERE run_id = ? ORDER BY rowid",
            (found[0],)).fetchall()
        issues: dict[str, list[IssueRecord]] = {}
        for key, severity, code, file, sheet, cell, message in con.execute(
                "SELECT unit_key, severity, code, file, sheet, cell, message FROM unit_issues WHERE run_id = ? "
                "ORDER BY unit_key, seq", (found[0],)):
            issues.setdefault(key, []).append(IssueRecord(severity, code, _path_out(file), sheet, cell, message))
    return found[0], tuple(UnitRecord(*row[:5], _path_out(row[5]), *row[6:], issues=tuple(issues.get(row[0], ())))
                           for row in rows)


def sent_keys(path: Path, validity: Validity, timeout: float = DEFAULT_TIMEOUT) -> frozenset[str]:
    """The keys of every message already sent (a second run sends none of them again)."""
    if not path.exists():
        return frozenset()
    with open_register(path, validity, timeout=timeout) as con:
        return frozenset(row[0] for row in con.execute("SELECT message_key FROM mail_sent"))


def record_sent(path: Path, validity: Validity, sent: SentRecord, timeout: float = DEFAULT_TIMEOUT) -> None:
    """One message sent, recorded as soon as the server took it (a crash later never resends it)."""
    with open_register(path, validity, write=True, timeout=timeout) as con:
        con.execute("INSERT OR REPLACE INTO mail_sent (message_key, kind, year, unit_key, recipients, subject, "
                    "sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)", (sent.message_key, sent.kind, sent.year, sent.unit_key,
                                                     sent.recipients, sent.subject, sent.sent_at))


def record_arrivals(path: Path, validity: Validity, arrivals: Iterable[Arrival], saved_at: str,
                    timeout: float = DEFAULT_TIMEOUT) -> None:
    with open_register(path, validity, write=True, timeout=timeout) as con:
        con.executemany(
            "INSERT OR IGNORE INTO arrivals (path, sha256, sender, received, subject, message_id, source, saved_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(_path_in(a.path), a.sha256, a.sender, a.received or None, a.subject, a.message_id, a.source, saved_at)
             for a in arrivals])


def load_arrivals(path: Path, validity: Validity, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Arrival]:
    """Every collected attachment by its SHA-256 (the earliest arrival of the same bytes)."""
    if not path.exists():
        return {}
    with open_register(path, validity, timeout=timeout) as con:
        found: dict[str, Arrival] = {}
        for row in con.execute("SELECT path, sha256, sender, received, subject, message_id, source FROM arrivals "
                               "ORDER BY received IS NULL, received, id"):
            arrival = Arrival(_path_out(row[0]), row[1], row[2], row[3] or "", row[4], row[5], row[6])
            found.setdefault(arrival.sha256, arrival)
        return found

