"""Open the register's SQLite file: check it is ours, migrate it forward, one writer at a time.

The file may sit on a network share and be copied whole, so it keeps SQLite's rollback journal
(never WAL, whose -wal and -shm side files a copy would miss), and a write takes the database's
write lock at its start (BEGIN IMMEDIATE): a second run waits up to `timeout` seconds for the
first to finish, then stops with a message instead of failing half-way. The schema version is
SQLite's user_version; each migration is a step from one version to the next, run in one
transaction with the version bump, so a migration that fails leaves the file as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from processor.model.errors import DvhtError
from processor.system.oserrors import describe

APPLICATION = "dvht"
SCHEMA_VERSION = 4
DEFAULT_TIMEOUT = 30.0  # seconds a run waits for another run's write to finish

Validity = Callable[[str], int | None]  # rubric id -> validity years (None: a rubric without validity)


class RegisterError(DvhtError):
    """The register cannot be used: not ours, from a newer version, or busy too long."""


_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    year INTEGER NOT NULL, rubric TEXT NOT NULL, tier TEXT NOT NULL,
    input_dir TEXT NOT NULL, options TEXT NOT NULL,
    files INTEGER NOT NULL, units INTEGER NOT NULL, valid INTEGER NOT NULL, to_fix INTEGER NOT NULL,
    missing INTEGER NOT NULL, tool_version TEXT NOT NULL
);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL, rubric TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    first_run INTEGER NOT NULL REFERENCES runs(id), last_run INTEGER NOT NULL REFERENCES runs(id),
    last_outcome TEXT NOT NULL,
    UNIQUE (year, rubric, path, sha256)
);
CREATE TABLE recognitions (
    id INTEGER PRIMARY KEY,
    unit_key TEXT NOT NULL, unit_code TEXT NOT NULL, unit_name TEXT NOT NULL,
    year INTEGER NOT NULL, rubric TEXT NOT NULL, level INTEGER, class TEXT NOT NULL DEFAULT '',
    decision TEXT NOT NULL, decision_date TEXT, source TEXT NOT NULL, recorded_at TEXT NOT NULL,
    UNIQUE (unit_key, year)
);
"""

_V2 = """
ALTER TABLE recognitions ADD COLUMN valid_through INTEGER;
ALTER TABLE runs ADD COLUMN covered INTEGER NOT NULL DEFAULT 0;
CREATE TABLE run_files (
    run_id INTEGER NOT NULL REFERENCES runs(id), file_id INTEGER NOT NULL REFERENCES files(id),
    outcome TEXT NOT NULL, unit_key TEXT NOT NULL,
    PRIMARY KEY (run_id, file_id)
);
CREATE TABLE unit_results (
    run_id INTEGER NOT NULL REFERENCES runs(id), unit_key TEXT NOT NULL,
    unit_code TEXT NOT NULL, unit_name TEXT NOT NULL, unit_group TEXT NOT NULL,
    status TEXT NOT NULL, file TEXT NOT NULL,
    self_result TEXT NOT NULL, final_result TEXT NOT NULL, final_rank INTEGER, finality TEXT NOT NULL,
    unmet TEXT NOT NULL, scores TEXT NOT NULL,
    PRIMARY KEY (run_id, unit_key)
);
CREATE INDEX runs_season ON runs (year, rubric, id);
CREATE INDEX recognitions_unit ON recognitions (unit_key, year);
"""


def _script(con: sqlite3.Connection, sql: str) -> None:
    """Statement by statement: executescript would commit the migration's transaction."""
    for statement in sql.strip().split(";\n"):
        if statement.strip():
            con.execute(statement)


_V3 = """
ALTER TABLE unit_results ADD COLUMN page TEXT NOT NULL DEFAULT '';
ALTER TABLE unit_results ADD COLUMN email TEXT NOT NULL DEFAULT '';
CREATE TABLE unit_issues (
    run_id INTEGER NOT NULL REFERENCES runs(id), unit_key TEXT NOT NULL, seq INTEGER NOT NULL,
    severity TEXT NOT NULL, code TEXT NOT NULL, file TEXT NOT NULL, sheet TEXT NOT NULL, cell TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, unit_key, seq)
);
CREATE TABLE mail_sent (
    id INTEGER PRIMARY KEY, message_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, year INTEGER NOT NULL,
    unit_key TEXT NOT NULL, recipients TEXT NOT NULL, subject TEXT NOT NULL, sent_at TEXT NOT NULL
);
CREATE TABLE arrivals (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, sender TEXT NOT NULL, received TEXT,
    subject TEXT NOT NULL, message_id TEXT NOT NULL, source TEXT NOT NULL, saved_at TEXT NOT NULL,
    UNIQUE (sha256, message_id)
);
"""


_V4 = """
CREATE TABLE parsed_files (
    sha256 TEXT NOT NULL, context TEXT NOT NULL, computed_on TEXT NOT NULL, record BLOB NOT NULL,
    last_used TEXT NOT NULL,
    PRIMARY KEY (sha256, context)
);
CREATE INDEX parsed_files_used ON parsed_files (last_used);
"""


def _to_v1(con: sqlite3.Connection, validity: Validity) -> None:
    _script(con, _V1)
    con.execute("INSERT INTO meta (key, value) VALUES ('application', ?)", (APPLICATION,))


def _to_v2(con: sqlite3.Connection, validity: Validity) -> None:
    """Version 2 keeps each run's files and results, the units a recognition covered, and each
    recognition's last covered season, computed for the recognitions already there from their
    rubric's validity."""
    _script(con, _V2)
    for rubric, in con.execute("SELECT DISTINCT rubric FROM recognitions").fetchall():
        years = validity(rubric)
        if years is not None:
            con.execute("UPDATE recognitions SET valid_through = year + ? WHERE rubric = ? AND level IS NOT NULL",
                        (years, rubric))


def _to_v3(con: sqlite3.Connection, validity: Validity) -> None:
    """Version 3 keeps what the mail needs: each unit's issues and page per run, its address,
    the messages sent (never twice), and the arrival of every collected attachment."""
    _script(con, _V3)


def _to_v4(con: sqlite3.Connection, validity: Validity) -> None:
    """Version 4 keeps each file's parsed record by the SHA-256 of its bytes (processor.register.parsed),
    so that a re-run does not parse an unchanged file again."""
    _script(con, _V4)


MIGRATIONS: tuple[Callable[[sqlite3.Connection, Validity], None], ...] = (_to_v1, _to_v2, _to_v3, _to_v4)  # n-1 -> n


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    con = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    return con


@contextmanager
def open_register(path: Path, validity: Validity, *, write: bool = False,
                  timeout: float = DEFAULT_TIMEOUT) -> Iterator[sqlite3.Connection]:
    """A connection to the register, migrated to SCHEMA_VERSION; with write, inside one
    transaction holding the write lock (committed at the end, rolled back on an error)."""
    if path.exists() and not path.is_file():
        raise RegisterError(f"{path} là một thư mục, không phải tệp cơ sở dữ liệu; hãy chọn tệp khác bằng --db.")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = _connect(path, timeout)
    except sqlite3.Error as exc:
        raise RegisterError(f"Không mở được cơ sở dữ liệu {path}: {exc}.") from None
    try:
        _prepare(con, path, validity)
        if write:
            _begin(con, path)
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        else:
            yield con
    except sqlite3.OperationalError as exc:
        raise _busy_or(exc, path) from None
    except sqlite3.DatabaseError as exc:
        raise RegisterError(_not_ours(path, str(exc))) from None
    except OSError as exc:
        raise RegisterError(f"Không ghi được cơ sở dữ liệu {path}: {describe(exc)}.") from None
    finally:
        con.close()


def _begin(con: sqlite3.Connection, path: Path) -> None:
    try:
        con.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise _busy_or(exc, path) from None


_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_UNWRITABLE = {"SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_FULL", "SQLITE_IOERR"}


def _busy_or(exc: sqlite3.OperationalError, path: Path) -> RegisterError:
    """SQLite's error in the official's words: busy, cannot be written, or not our file
    (by its error name, so that a read-only register is not called someone else's)."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    base = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    if base in _BUSY or (not name and ("locked" in str(exc) or "busy" in str(exc))):
        return RegisterError(f"Cơ sở dữ liệu {path} đang được một lần chạy khác ghi; hãy chờ lần chạy đó xong rồi "
                             "chạy lại.")
    if base in _UNWRITABLE:
        return RegisterError(_unwritable(path) or f"Không ghi được cơ sở dữ liệu {path} ({_sqlite_words(base)}); "
                             "hãy kiểm tra ổ đĩa và quyền ghi, hoặc chọn tệp khác bằng --db.")
    return RegisterError(_not_ours(path, str(exc)))


def _sqlite_words(name: str) -> str:
    if name.startswith("SQLITE_FULL"):
        return "ổ đĩa đã đầy"
    if name.startswith("SQLITE_IOERR"):
        return "lỗi đọc ghi ổ đĩa"
    if name.startswith("SQLITE_READONLY"):
        return "tệp chỉ đọc"
    return "không mở được tệp để ghi"


def _unwritable(path: Path) -> str | None:
    """Why this user cannot write the register (the file, or its folder where SQLite writes
    the rollback journal; the nearest existing folder for a register not made yet), or None."""
    import os

    hint = "hoặc chọn tệp khác bằng --db."
    if path.exists():
        if not os.access(path, os.W_OK):
            return f"Không ghi được cơ sở dữ liệu {path}: tệp chỉ đọc; hãy cho phép ghi vào tệp {hint}"
        folder = path.resolve().parent
    else:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"Không ghi được cơ sở dữ liệu {path}: không có quyền ghi vào thư mục {folder} (nơi ghi nhật ký "
                f"giao dịch của cơ sở dữ liệu); hãy cho phép ghi vào thư mục {hint}")
    return None


def check_writable(path: Path) -> None:
    """Refuse, before a run does any work, a register this user could read but not write:
    the run would otherwise publish its reports and then fail to record itself."""
    why = _unwritable(path)
    if why is not None:
        raise RegisterError(why)


def _not_ours(path: Path, detail: str) -> str:
    return (f"Tệp {path} không phải cơ sở dữ liệu của phần mềm này ({detail}); hãy chọn tệp khác bằng --db "
            "hoặc chuyển tệp này đi nơi khác.")


def _prepare(con: sqlite3.Connection, path: Path, validity: Validity) -> None:
    """Check the file is ours and bring its schema to SCHEMA_VERSION (rollback journal)."""
    version = con.execute("PRAGMA user_version").fetchone()[0]  # fails on a file that is not SQLite
    if version > SCHEMA_VERSION:
        raise RegisterError(f"Cơ sở dữ liệu {path} do phiên bản mới hơn của phần mềm tạo (lược đồ {version}; phiên bản "
                            f"này đọc đến lược đồ {SCHEMA_VERSION}); hãy dùng phiên bản mới nhất của phần mềm.")
    tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == 0 and tables:
        raise RegisterError(_not_ours(path, "có các bảng " + ", ".join(sorted(tables))))
    if version > 0:
        app = con.execute("SELECT value FROM meta WHERE key = 'application'").fetchone() if "meta" in tables else None
        if app is None or app[0] != APPLICATION:
            raise RegisterError(_not_ours(path, "không có dấu của phần mềm"))
    if version == SCHEMA_VERSION:
        return
    mode = con.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    if str(mode).lower() != "delete":
        raise RegisterError(f"Không đặt được chế độ nhật ký cho cơ sở dữ liệu {path} ({mode}).")
    _begin(con, path)
    try:
        current = con.execute("PRAGMA user_version").fetchone()[0]  # another run may have migrated meanwhile
        for step in range(current, SCHEMA_VERSION):
            MIGRATIONS[step](con, validity)
            con.execute(f"PRAGMA user_version = {step + 1}")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
