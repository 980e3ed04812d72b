"""Write every output of a batch run, all or nothing, and never over anything else.

The output folder may hold the department's own files (even the input folder), so the tool
replaces only what it made itself: the names in PUBLISHED_NAMES, each recognised by a mark
(see _ours). Everything is written first into a staging folder inside the hidden state
folder of the output (so a USB stick, a network share or a read-only parent works). Once the
workbook, the pages and the log are complete, a journal listing the renames is written; the
renames then move each old output into a backup folder and the new one into place. A failure
during the renames rolls them back; a kill leaves the journal, and the next run completes
the renames before it does anything else. Either way the public paths hold one run's
outputs, never a mix, and the old pages are never left only in a folder a run deletes.

A lock file in the state folder (an OS lock, released when the process dies) keeps a second
run out of the same output folder while the first reads and publishes.
"""

from __future__ import annotations

import errno
import html
import json
import os
import re
import shutil
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from processor import __version__
from processor.model.batch import BatchResult
from processor.model.errors import OutputError, UsageError
from processor.report.console import log_lines, safe_line, summary_lines
from processor.report.documents import DocumentJob
from processor.report.html import INDEX, page_names, render_index, render_unit_pages, write_pages
from processor.report.recognition import document_set
from processor.report.summary import Summary, summarise
from processor.report.workbook import write_workbook
from processor.system.oserrors import describe
from processor.system.processes import WorkQueue, run_concurrently

HTML_DIR = "html"
DOCS_DIR = "van_ban"
STATE_DIR = ".dvht"
# Everything the tool writes or replaces inside the output folder, {year} filled in. The input
# folder may never lie inside one of these.
PUBLISHED_NAMES = (HTML_DIR, "TongHop_DVHT_{year}.xlsx", "TongHop_DVHT_{year}.log", DOCS_DIR)
OWNED_NAMES = (*PUBLISHED_NAMES, STATE_DIR)
HTML_MARK = ".dvht-html"
DOCS_MARK = ".dvht-van-ban"  # the documents of the run that wrote van_ban/, each with its SHA-256
LOCK_NAME = "lock"
JOURNAL_NAME = "journal.json"
_OUR_STATE_ENTRY = re.compile(r"(moi|cu)-\d+|journal\.tmp")  # what a run creates in the state folder
PAGES_PER_CHUNK = 100
_WINDOWS = sys.platform == "win32"
_OPEN_FILES_BLOCK_RENAME = _WINDOWS  # a PermissionError there means "open in another program"


@dataclass(frozen=True)
class Published:
    summary: Summary
    workbook: Path
    index: Path
    log: Path
    timings: dict[str, float] = field(default_factory=dict)
    documents: Path | None = None  # the van_ban/ folder
    kept: tuple[str, ...] = ()  # files of van_ban/ a person put or edited there, carried into the new one

    @property
    def paths(self) -> list[Path]:
        return [self.workbook, self.index, self.log, *([self.documents] if self.documents else [])]


@dataclass(frozen=True)
class OutputLock:
    """Proof that this process holds the lock of one output folder (see output_lock)."""

    out: Path


def published_names(year: int) -> list[str]:
    return [name.format(year=year) for name in PUBLISHED_NAMES]


def check_output(input_dir: Path, out_dir: Path, year: int) -> None:
    """Refuse, before anything is read or written, an output folder that would overwrite the
    input (the next run would read its own workbook, or the pages would replace submissions),
    and outputs that are not ours."""
    out = Path(os.path.realpath(out_dir))
    if os.path.lexists(out) and not out.is_dir():
        raise UsageError(f"thư mục kết quả {out_dir} là một tệp, không phải thư mục; hãy chọn một thư mục")
    check_input_place(input_dir, out_dir, year)
    check_ownership(out, year)


def check_input_place(input_dir: Path, out_dir: Path, year: int) -> None:
    """Refuse an input folder that holds the output or lies in what a run rewrites: shared by
    process and by collect, which must not save replies where the next run would wipe them."""
    source, out = Path(os.path.realpath(input_dir)), Path(os.path.realpath(out_dir))
    if source == out or source in out.parents:
        where = "trùng với" if source == out else "nằm trong"
        raise UsageError(f"thư mục kết quả {out_dir} {where} thư mục hồ sơ {input_dir}; "
                         "hãy chọn thư mục kết quả ở ngoài thư mục hồ sơ (ví dụ --out ket_qua)")
    if out in source.parents:
        first = source.relative_to(out).parts[0].casefold()
        owned = {name.format(year=year).casefold() for name in OWNED_NAMES}
        if first in owned:
            raise UsageError(f"thư mục hồ sơ {input_dir} nằm trong {out / source.relative_to(out).parts[0]}, "
                             "nơi phần mềm ghi kết quả; hãy chuyển hồ sơ ra chỗ khác hoặc chọn thư mục kết quả khác")


def check_ownership(out: Path, year: int) -> None:
    """Every output the run would replace must be one this tool wrote."""
    state = out / STATE_DIR
    if os.path.lexists(state) and (state.is_symlink() or not state.is_dir()):
        _not_ours(out, STATE_DIR)
    for name in published_names(year):
        if os.path.lexists(out / name) and not _ours(out / name):
            _not_ours(out, name)
    docs = out / DOCS_DIR
    odd = sorted(p.name for p in docs.iterdir() if p.is_symlink() or not p.is_file()) if docs.is_dir() else []
    if odd:  # a file put beside the letters is carried into the next run's folder; a folder is not
        raise OutputError(f"Thư mục {docs} có {odd[0]} không phải một tệp; mỗi lần chạy thay cả thư mục "
                          f"{DOCS_DIR}/ (các tệp người dùng đặt vào được giữ lại), nên hãy chuyển {odd[0]} đi nơi "
                          "khác rồi chạy lại.")
    html_dir = out / HTML_DIR
    foreign = _foreign_in_pages(html_dir) if html_dir.is_dir() else []
    if foreign:
        # the whole folder is replaced by the next run's pages: a file someone added there would go
        raise OutputError(f"Thư mục {html_dir} có {foreign[0]} không do phần mềm này tạo; mỗi lần chạy thay cả "
                          f"thư mục {HTML_DIR}/, nên hãy chuyển {foreign[0]} đi nơi khác rồi chạy lại.")


def _foreign_in_pages(folder: Path) -> list[str]:
    """Entries of our html/ folder that the run which wrote it did not write (its mark lists
    them), sorted; a folder of the earlier version (no list) holds only .html pages."""
    mark = folder / HTML_MARK
    listed = mark.read_text(encoding="utf-8").splitlines()[1:] if mark.is_file() else []
    if not listed:
        return sorted(p.name for p in folder.iterdir() if p.name != HTML_MARK and
                      not (p.suffix == ".html" and p.is_file() and not p.is_symlink()))
    allowed = {*listed, HTML_MARK}
    return sorted(p.name for p in folder.iterdir() if p.name not in allowed or not p.is_file() or p.is_symlink())


def _not_ours(out: Path, name: str) -> None:
    raise OutputError(f"Thư mục kết quả {out} đã có {name} không do phần mềm này tạo; để không ghi đè, "
                      f"hãy chọn thư mục kết quả khác hoặc chuyển {name} đi nơi khác.")


def _ours(path: Path) -> bool:
    """A mark of ours: html/ holds our marker file (or, written by an earlier version, only
    .html pages with our index.html); the workbook's document comment starts with 'dvht ';
    the log starts with our header line."""
    if path.is_symlink():
        return False
    if path.name == HTML_DIR:
        return path.is_dir() and ((path / HTML_MARK).is_file() or _legacy_pages(path))
    if path.name == DOCS_DIR:
        return path.is_dir() and (path / DOCS_MARK).is_file()
    if not path.is_file():
        return False
    if path.suffix == ".log":
        with path.open("rb") as f:
            return f.read(32).startswith("Chạy lúc ".encode())
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml")[:100_000].decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return False
    found = re.search(r"<dc:description>(.*?)</dc:description>", core, re.S)
    return bool(found) and html.unescape(found.group(1)).startswith("dvht ")


def _legacy_pages(folder: Path) -> bool:
    entries = list(folder.iterdir())
    if not all(p.suffix == ".html" and p.is_file() and not p.is_symlink() for p in entries):
        return False
    index = folder / INDEX
    return index.is_file() and b'<meta name="referrer" content="no-referrer">' in index.read_bytes()[:4096]


@contextmanager
def output_lock(out_dir: Path) -> Iterator[OutputLock]:
    """Held from before the batch reads until publishing is done; a second run refuses at once."""
    out = out_dir.resolve()
    state = out / STATE_DIR
    try:
        state.mkdir(parents=True, exist_ok=True)
        fd = os.open(state / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(explain(exc, out)) from None
    try:
        try:
            _lock(fd)
        except OSError:
            raise OutputError(f"Một lần chạy khác đang ghi vào thư mục kết quả {out}; hãy đợi lần chạy đó "
                              "xong (hoặc chọn thư mục kết quả khác) rồi chạy lại.") from None
        yield OutputLock(out)
    finally:
        os.close(fd)


def _lock(fd: int) -> None:
    if _WINDOWS:
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def explain(exc: BaseException, path: Path) -> str:
    """One Vietnamese line for a failure to write the outputs, from the OS error behind it."""
    cause = _os_error(exc)
    code = cause.errno if cause else None
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return (f"Không ghi được kết quả vào {path}: đĩa đầy. Hãy giải phóng chỗ trống hoặc chọn thư mục kết quả "
                "khác; kết quả lần trước được giữ nguyên.")
    sharing = getattr(cause, "winerror", None) in (32, 33)
    if sharing or (isinstance(cause, PermissionError) and _OPEN_FILES_BLOCK_RENAME):
        return (f"Không ghi được {path}: tệp đang mở trong Excel hoặc chương trình khác. "
                "Hãy đóng tệp rồi chạy lại.")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"Không ghi được {path}: không có quyền ghi vào thư mục kết quả hoặc thư mục chỉ đọc. "
                "Hãy chọn thư mục kết quả khác hoặc xin cấp quyền ghi.")
    detail = describe(cause) if cause else type(exc).__name__
    return f"Không ghi được kết quả vào {path}: {detail}."


def _os_error(exc: BaseException | None) -> OSError | None:
    """The OSError behind exc (xlsxwriter wraps it in FileCreateError)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            return exc
        inner = [a for a in getattr(exc, "args", ()) if isinstance(a, OSError)]
        exc = inner[0] if inner else (exc.__cause__ or exc.__context__)
        seen += 1
    return None


def publish(result: BatchResult, lock: OutputLock | None = None) -> Published:
    """lock: the output folder's lock, when the caller took it before the batch read."""
    out = result.options.out_dir.resolve()
    check_output(result.options.input_dir, out, result.options.year)
    if lock is None:
        with output_lock(out) as taken:
            return publish(result, taken)
    if lock.out != out:
        raise ValueError(f"lock of {lock.out} used for {out}")
    recover(out)
    check_ownership(out, result.options.year)
    return _publish(result, out)


def _publish(result: BatchResult, out: Path) -> Published:
    year = result.options.year
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    summary = summarise(result)
    timings["summary"] = time.perf_counter() - clock
    html_name, workbook, log_name, docs_name = published_names(year)
    final = [out / workbook, out / HTML_DIR / INDEX, out / log_name]
    staging = out / STATE_DIR / f"moi-{os.getpid()}"
    try:
        clock = time.perf_counter()
        written = _stage(result, summary, staging, workbook, final, staging / docs_name)
        timings["workbook_html"] = time.perf_counter() - clock  # the documents' files included
        clock = time.perf_counter()
        kept = _stage_documents(written, staging / docs_name, out / docs_name)
        timings["documents"] = time.perf_counter() - clock
        _commit(out, staging, [workbook, html_name, docs_name, log_name])
    except OutputError:
        raise
    except Exception as exc:
        if _os_error(exc) is None:
            raise
        raise OutputError(explain(exc, out)) from None
    finally:
        _clean_state(out)
    return Published(summary=summary, workbook=final[0], index=final[1], log=final[2], timings=timings,
                     documents=out / docs_name, kept=tuple(kept))


def _stage_documents(written: list[Path], folder: Path, current: Path) -> list[str]:
    """Beside the season's documents (written, in folder, by _stage), whatever a person put
    into (or edited in) the current van_ban/: the signed PDF a clerk saved beside a letter is
    carried into the new folder, and a letter edited by hand is kept beside the new one under
    a name of its own, never lost. Returns the names carried over."""
    ours = {p.name for p in written}
    listed: dict[str, str] = {}
    if current.is_dir() and (current / DOCS_MARK).is_file():
        for line in (current / DOCS_MARK).read_text(encoding="utf-8").splitlines()[1:]:
            digest, _, name = line.partition(" ")
            listed[name] = digest
    kept = []
    for entry in sorted(current.iterdir(), key=lambda p: p.name) if current.is_dir() else ():
        if entry.name == DOCS_MARK or not entry.is_file() or entry.is_symlink():
            continue
        if entry.name.startswith("~$") or (entry.name.startswith(".~lock.") and entry.name.endswith("#")):
            continue  # the lock file of a letter open in Word or LibreOffice: the program's, not a person's
        if entry.name in listed and listed[entry.name] == _sha256(entry):
            continue  # one of ours, unchanged: replaced by this run's
        target = entry.name
        if target in ours or target in listed:  # ours, edited by a person: kept under its own name
            saved = time.strftime("%Y%m%d-%H%M%S", time.localtime(entry.stat().st_mtime))
            target = f"{entry.stem}_ban_sua_{saved}{entry.suffix}"
        if not (folder / target).exists():
            shutil.copy2(entry, folder / target)
            kept.append(target)
    lines = [f"dvht {__version__}", *(f"{_sha256(p)} {p.name}" for p in sorted(written, key=lambda p: p.name))]
    (folder / DOCS_MARK).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return kept


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stage(result: BatchResult, summary: Summary, staging: Path, workbook: str, final: list[Path],
           docs_folder: Path) -> list[Path]:
    """The workbook, the pages, the documents and the log into staging; returns the documents'
    paths. Two processes share the work: this one writes the workbook, the other the season's
    documents and the index page meanwhile (the index of 10,000 units is 7 MB: rendered after
    both, it kept the other process idle for most of a second); then both take pages, then
    letters, from shared queues, so that neither waits for the other (the workbook alone is
    the longest task at 10,000 units)."""
    names = page_names(summary.units)
    html_dir = staging / HTML_DIR
    html_dir.mkdir(parents=True)
    docs_folder.mkdir(parents=True)
    documents = DocumentJob(document_set(result, summary), docs_folder, result.options.documents)
    chunks = WorkQueue(len(summary.units), PAGES_PER_CHUNK)
    parent = os.getpid()

    def shared(write: Callable[[], None]) -> None:
        try:
            write()
        except OSError:
            if os.getpid() == parent:
                raise
            sys.exit(1)  # a forked child: the parent writes the pages again and reports why

    def pages() -> None:
        for indices in chunks:
            write_pages(render_unit_pages(result, summary, names, indices), html_dir)

    def index() -> None:
        write_pages([render_index(result, summary, names)], html_dir)

    def workbook_pages_letters() -> None:
        write_workbook(result, summary, staging / workbook, [f"{HTML_DIR}/{n}" for n in names])
        shared(pages)
        documents.letters()

    def season_pages_letters() -> None:
        documents.season()
        shared(index)
        shared(pages)
        documents.letters()

    if run_concurrently([workbook_pages_letters, season_pages_letters]):
        # a child failed: everything it shared is written again here (and its cause raised)
        write_pages(render_unit_pages(result, summary, names, range(len(summary.units))), html_dir)
        index()
        documents.write_all()
    # The mark lists every page, so that a file someone adds to html/ is never replaced unseen.
    written = sorted(p.name for p in html_dir.iterdir())
    (html_dir / HTML_MARK).write_text("\n".join([f"dvht {__version__}", *written]) + "\n", encoding="utf-8")
    header = [f"Chạy lúc {result.started_at:%d/%m/%Y %H:%M:%S}, thư mục {safe_line(str(result.options.input_dir))}"]
    body = [safe_line(x) for x in summary_lines(summary, final)] + log_lines(summary)
    (staging / final[2].name).write_text("\n".join(header + body) + "\n", encoding="utf-8")
    return documents.paths


def _commit(out: Path, staging: Path, names: list[str]) -> None:
    """The staged outputs replace the current ones, as one step (see the module docstring)."""
    backup = staging.with_name(f"cu-{os.getpid()}")
    backup.mkdir()
    journal = {"staging": staging.name, "backup": backup.name, "names": names}
    _write_journal(out, journal)
    try:
        for name in names:
            _move_in(out, staging, backup, name)
    except OSError as exc:
        message = explain(exc, out / _failed_name(out, staging, names))
        try:
            _roll_back(out, staging, backup, names)
        except OSError:
            raise OutputError(f"{message} Lần chạy sau sẽ hoàn tất việc thay kết quả.") from None
        (out / STATE_DIR / JOURNAL_NAME).unlink()
        raise OutputError(f"{message} Kết quả lần trước được giữ nguyên.") from None
    (out / STATE_DIR / JOURNAL_NAME).unlink()


def _failed_name(out: Path, staging: Path, names: list[str]) -> str:
    return next((n for n in names if os.path.lexists(staging / n)), names[-1])


def _write_journal(out: Path, journal: dict[str, object]) -> None:
    path = out / STATE_DIR / JOURNAL_NAME
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as f:
        json.dump(journal, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def _move_in(out: Path, staging: Path, backup: Path, name: str) -> None:
    """Idempotent, so that the next run can repeat it after a kill at any point."""
    new, current, old = staging / name, out / name, backup / name
    if not os.path.lexists(new):
        return
    if os.path.lexists(current):
        if os.path.lexists(old):
            raise OutputError(f"Không hoàn tất được lần ghi dở trước vào {out}: {name} đã bị thay bằng tệp khác. "
                              f"Hãy xem thư mục {out / STATE_DIR} rồi xoá nó và chạy lại.")
        os.replace(current, old)
    os.replace(new, current)


def _roll_back(out: Path, staging: Path, backup: Path, names: list[str]) -> None:
    for name in reversed(names):
        new, current, old = staging / name, out / name, backup / name
        if not os.path.lexists(new) and os.path.lexists(current):
            os.replace(current, new)
        if os.path.lexists(old) and not os.path.lexists(current):
            os.replace(old, current)


def recover(out: Path) -> None:
    """Complete the renames of a run that was killed after its staging was complete, then
    remove what a killed run left in the state folder. Called with the lock held."""
    path = out / STATE_DIR / JOURNAL_NAME
    if path.is_file():
        try:
            journal = json.loads(path.read_text(encoding="utf-8"))
            staging, backup = out / STATE_DIR / journal["staging"], out / STATE_DIR / journal["backup"]
            names = [str(n) for n in journal["names"]]
        except (ValueError, KeyError, TypeError):
            raise OutputError(f"Nhật ký ghi dở {path} bị hỏng; hãy xem thư mục {out / STATE_DIR} "
                              "rồi xoá nó và chạy lại.") from None
        try:
            for name in names:
                _move_in(out, staging, backup, name)
        except OSError as exc:
            raise OutputError(explain(exc, out)) from None
        path.unlink()
    _clean_state(out)


def _clean_state(out: Path) -> None:
    """What a run of ours left in the state folder (staging and backup folders, a journal's
    temporary file), except an unfinished journal's folders; never anything else."""
    state = out / STATE_DIR
    journal = state / JOURNAL_NAME
    keep: set[str] = set()
    if journal.exists():
        try:
            data = json.loads(journal.read_text(encoding="utf-8"))
            keep |= {str(data["staging"]), str(data["backup"])}
        except (ValueError, KeyError, TypeError, OSError):
            return
    for entry in state.iterdir() if state.is_dir() else ():
        if entry.name in keep or not _OUR_STATE_ENTRY.fullmatch(entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
